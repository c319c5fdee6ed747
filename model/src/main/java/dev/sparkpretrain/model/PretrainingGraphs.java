package dev.sparkpretrain.model;

import dev.sparkpretrain.model.bert.BertModel;
import dev.sparkpretrain.model.gpt.GptModel;
import dev.sparkpretrain.model.t5.T5Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;

/**
 * The pre-training graph of any family: {@link BertModel} (MLM + NSP), {@link GptModel} (next token) or
 * {@link T5Model} (span corruption / text-to-text), chosen by {@link TransformerConfig#family()}.
 *
 * <p>Example: {@code ComputationGraph g = PretrainingGraphs.build(TransformerConfig.preset("gpt2-tiny"),
 * OptimizerConfig.bertDefaults(100, 10_000), 42);}
 */
public final class PretrainingGraphs {
    private PretrainingGraphs() {}

    public static ComputationGraphConfiguration configuration(TransformerConfig config, OptimizerConfig optimizer,
                                                              long seed, DataType dataType) {
        return configuration(config, optimizer.updater(), optimizer.weightRegularization(), seed, dataType);
    }

    /** With any updater (gradient checks use NoOp and DOUBLE). */
    public static ComputationGraphConfiguration configuration(TransformerConfig config, IUpdater updater,
                                                              List<Regularization> weightRegularization, long seed,
                                                              DataType dataType) {
        return switch (config.family()) {
            case BERT -> BertModel.configuration(config, updater, weightRegularization, seed, dataType);
            case GPT -> GptModel.configuration(config, updater, weightRegularization, seed, dataType);
            case T5 -> T5Model.configuration(config, updater, weightRegularization, seed, dataType);
        };
    }

    /** An initialised FP32 graph. */
    public static ComputationGraph build(TransformerConfig config, OptimizerConfig optimizer, long seed) {
        return GraphSetup.initialised(configuration(config, optimizer, seed, DataType.FLOAT));
    }
}
