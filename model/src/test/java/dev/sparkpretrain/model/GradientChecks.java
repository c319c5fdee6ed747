package dev.sparkpretrain.model;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/** Runs DL4J's finite-difference gradient check in double precision. */
public final class GradientChecks {
    /** Values checked per parameter array (spread over it): keeps each check to seconds on 2 cores. */
    private static final int MAX_PER_PARAM = 10;

    private GradientChecks() {}

    /** Builds the graph with DOUBLE as ND4J's default type (restored afterwards) and checks every parameter. */
    public static boolean check(Supplier<ComputationGraph> graph, MultiDataSet data) {
        return check(graph, data, MAX_PER_PARAM);
    }

    /** The pre-training graph of {@code config} without an updater, checked on {@code data} (see below). */
    public static boolean check(TransformerConfig config, MultiDataSet data, int maxPerParam) {
        return check(() -> GraphSetup.initialised(PretrainingGraphs.configuration(config, new NoOp(), List.of(), 3,
                DataType.DOUBLE)), data, maxPerParam);
    }

    /** {@link #check(TransformerConfig, MultiDataSet, int)} with the default number of values per parameter. */
    public static boolean check(TransformerConfig config, MultiDataSet data) {
        return check(config, data, MAX_PER_PARAM);
    }

    /** As {@link #check(Supplier, MultiDataSet)}, checking at most {@code maxPerParam} values per parameter array. */
    public static boolean check(Supplier<ComputationGraph> graph, MultiDataSet data, int maxPerParam) {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            ComputationGraph g = graph.get();
            return GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                    .net(g)
                    .inputs(toDouble(data.getFeatures()))
                    .labels(toDouble(data.getLabels()))
                    .inputMask(toDouble(data.getFeaturesMaskArrays()))
                    .labelMask(toDouble(data.getLabelsMaskArrays()))
                    .epsilon(1e-6)
                    .maxRelError(1e-3)
                    .minAbsoluteError(1e-8)
                    .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                    .exitOnFirstError(false)
                    .subset(true)
                    .maxPerParam(maxPerParam));
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    private static INDArray[] toDouble(INDArray[] in) {
        return in == null ? null
                : Arrays.stream(in).map(a -> a == null ? null : a.castTo(DataType.DOUBLE)).toArray(INDArray[]::new);
    }
}
