package dev.sparkpretrain.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The layers of a graph configuration and their parameter counts, computed from the configuration alone (nothing is
 * allocated, so {@code bert-base} is summarised instantly).
 *
 * <p>Example: {@code ModelSummary.ofPreset("bert-base").toJson()} gives
 * {@code {"preset":"bert-base","parameters":110106428,"layers":[...]}}; from a shell,
 * {@code java ... dev.sparkpretrain.model.ModelSummary --preset bert-base [--json]}.
 */
public record ModelSummary(String preset, List<Entry> entries) {

    /** One vertex: its name, kind (layer or vertex class) and parameter count. */
    public record Entry(String name, String kind, long parameters, List<String> inputs) {}

    public ModelSummary {
        entries = List.copyOf(entries);
    }

    public static ModelSummary of(String preset, ComputationGraphConfiguration conf) {
        List<Entry> out = new ArrayList<>();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        for (String name : conf.getNetworkInputs()) {
            out.add(new Entry(name, "Input", 0, List.of()));
        }
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            GraphVertex v = e.getValue();
            long n;
            String kind;
            if (v instanceof LayerVertex lv) {
                NeuralNetConfiguration nnc = lv.getLayerConf();
                n = nnc.getLayer().initializer().numParams(nnc);
                kind = nnc.getLayer().getClass().getSimpleName();
            } else {
                n = v.numParams(true);
                kind = v.getClass().getSimpleName();
            }
            out.add(new Entry(e.getKey(), kind, n, inputs.getOrDefault(e.getKey(), List.of())));
        }
        return new ModelSummary(preset, out);
    }

    /** The pre-training graph of a preset (see {@link TransformerConfig#preset(String)}). */
    public static ModelSummary ofPreset(String preset) {
        TransformerConfig config = TransformerConfig.preset(preset);
        return of(preset, PretrainingGraphs.configuration(config, OptimizerConfig.constant(1e-4), 0,
                org.nd4j.linalg.api.buffer.DataType.FLOAT));
    }

    /** {@code --preset NAME [--json]}: prints the table, or the JSON object on one line. */
    public static void main(String[] args) {
        String preset = null;
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--preset" -> preset = i + 1 < args.length ? args[++i] : null;
                case "--json" -> json = true;
                default -> {
                    System.err.println("unknown argument: " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (preset == null) {
            System.err.println("usage: model summary --preset NAME [--json]; presets: " + TransformerConfig.presetNames());
            System.exit(2);
        }
        ModelSummary s = ofPreset(preset);
        System.out.println(json ? s.toJson() : s.toTable());
    }

    /** Total number of parameters. */
    public long parameters() {
        return entries.stream().mapToLong(Entry::parameters).sum();
    }

    /** A fixed-width table: name, kind, parameters, inputs; then the total. */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(java.util.Locale.ROOT, "%-24s %-22s %14s  %s%n", "name", "kind", "parameters", "inputs"));
        for (Entry e : entries) {
            sb.append(String.format(java.util.Locale.ROOT, "%-24s %-22s %,14d  %s%n", e.name(), e.kind(),
                    e.parameters(), String.join(", ", e.inputs())));
        }
        sb.append(String.format(java.util.Locale.ROOT, "total parameters: %,d%n", parameters()));
        return sb.toString();
    }

    /** {@code {"preset":..., "parameters":..., "layers":[{"name":..,"kind":..,"parameters":..},...]}}. */
    public String toJson() {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"preset\":").append(quote(preset)).append(",\"parameters\":").append(parameters())
                .append(",\"layers\":[");
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"name\":").append(quote(e.name())).append(",\"kind\":").append(quote(e.kind()))
                    .append(",\"parameters\":").append(e.parameters()).append('}');
        }
        return sb.append("]}").toString();
    }

    private static String quote(String s) {
        if (s == null) return "null";
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (ch < 0x20) sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) ch));
                    else sb.append(ch);
                }
            }
        }
        return sb.append('"').toString();
    }
}
