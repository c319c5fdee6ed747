package dev.sparkpretrain.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformerConfigTest {
    private static final Path PRESET_DIR = Path.of("..", "conf", "models");

    /** The preset as {@code conf/models/NAME.yaml} writes it: one {@code field: value} line per record component. */
    static String yaml(String name) {
        TransformerConfig c = TransformerConfig.preset(name);
        StringBuilder sb = new StringBuilder("# Model preset \"" + name + "\": fields of dev.sparkpretrain.model."
                + "TransformerConfig.\n");
        for (RecordComponent rc : TransformerConfig.class.getRecordComponents()) {
            try {
                Object v = rc.getAccessor().invoke(c);
                sb.append(rc.getName()).append(": ").append(v.toString().toLowerCase(Locale.ROOT)).append('\n');
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return sb.toString();
    }

    /** Writes conf/models/*.yaml from the presets: {@code java ... TransformerConfigTest} from the module folder. */
    public static void main(String[] args) throws IOException {
        Files.createDirectories(PRESET_DIR);
        for (String name : TransformerConfig.presetNames()) {
            Files.writeString(PRESET_DIR.resolve(name + ".yaml"), yaml(name));
        }
    }

    @Test
    void presetFilesMatchThePresets() throws IOException {
        for (String name : TransformerConfig.presetNames()) {
            Path file = PRESET_DIR.resolve(name + ".yaml");
            assertTrue(Files.exists(file), file + " missing: run TransformerConfigTest.main");
            assertEquals(yaml(name), Files.readString(file), file + " differs from the preset");
            assertEquals(TransformerConfig.preset(name), TransformerConfig.fromYaml(file));
        }
    }

    @Test
    void yamlRejectsUnknownAndMissingKeys() {
        String good = yaml("bert-tiny");
        assertThrows(IllegalArgumentException.class, () -> TransformerConfig.fromYaml(good + "hiddenSiz: 3\n"));
        assertThrows(IllegalArgumentException.class,
                () -> TransformerConfig.fromYaml(good.replace("numHeads: 2\n", "")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TransformerConfig.fromYaml(good.replace("numHeads: 2", "numHeads: 0")));
        assertTrue(e.getMessage().contains("numHeads"), e.getMessage());
    }

    @Test
    void validationNamesTheField() {
        TransformerConfig ok = TransformerConfig.preset("bert-tiny");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ok.withVocabSize(0));
        assertTrue(e.getMessage().startsWith("vocabSize"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ok.withDropout(1.5, 0.1));
        assertTrue(e.getMessage().startsWith("hiddenDropout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TransformerConfig.preset("bert-giant"));
        assertTrue(e.getMessage().contains("bert-tiny"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new OptimizerConfig(1e-3, 0.9, 0.999, 1e-8, 0.01, 10, 5, OptimizerConfig.Decay.LINEAR));
        assertTrue(e.getMessage().startsWith("warmupSteps"), e.getMessage());
    }

    @Test
    void positionEncodingIsSelectableInYamlAndCheckedPerFamily() {
        TransformerConfig sinusoidal = TransformerConfig.fromYaml(yaml("bert-tiny")
                .replace("positionEncoding: learned", "positionEncoding: sinusoidal"));
        assertEquals(TransformerConfig.PositionEncoding.SINUSOIDAL, sinusoidal.positionEncoding());
        assertEquals(0, sinusoidal.learnedPositions());
        assertEquals(512, sinusoidal.sinusoidalPositions());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TransformerConfig
                .preset("t5-tiny").withPositionEncoding(TransformerConfig.PositionEncoding.SINUSOIDAL));
        assertTrue(e.getMessage().startsWith("positionEncoding must be relative for T5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TransformerConfig.preset("gpt2-tiny")
                .withPositionEncoding(TransformerConfig.PositionEncoding.RELATIVE));
        assertTrue(e.getMessage().startsWith("positionEncoding must be learned or sinusoidal for GPT"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TransformerConfig(TransformerConfig.Family.GPT, 10,
                5, 1, 1, 8, 8, 0, 0, 0, 1e-5, 0.02, 5, 0, 0, 0, dev.sparkpretrain.model.ops.Activation.GELU, true,
                TransformerConfig.PositionEncoding.SINUSOIDAL, TransformerConfig.FeedForward.DENSE));
        assertTrue(e.getMessage().startsWith("hiddenSize must be even"), e.getMessage());
    }

    @Test
    void scheduleWarmsUpThenDecays() {
        WarmupDecaySchedule linear = new WarmupDecaySchedule(1.0, 10, 110, OptimizerConfig.Decay.LINEAR);
        assertEquals(0.0, linear.valueAt(0, 0));
        assertEquals(0.5, linear.valueAt(5, 0), 1e-12);
        assertEquals(1.0, linear.valueAt(10, 0), 1e-12);
        assertEquals(0.5, linear.valueAt(60, 0), 1e-12);
        assertEquals(0.0, linear.valueAt(200, 0), 1e-12);
        WarmupDecaySchedule cosine = new WarmupDecaySchedule(1.0, 0, 100, OptimizerConfig.Decay.COSINE);
        assertEquals(0.5, cosine.valueAt(50, 0), 1e-12);
        assertEquals(1.0, new WarmupDecaySchedule(1.0, 4, 8, OptimizerConfig.Decay.CONSTANT).valueAt(7, 0));
    }
}
