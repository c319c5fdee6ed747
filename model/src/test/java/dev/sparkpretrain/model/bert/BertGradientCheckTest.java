package dev.sparkpretrain.model.bert;

import dev.sparkpretrain.model.GradientChecks;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.ops.Activation;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference check of every parameter of a very small BERT: covers EmbeddingTables, EmbeddingLookup,
 * NormLayer, TransformerBlock (post-LN, GELU), ClsPooler, GatherPositions, Projection, TiedProjection (whose
 * gradient joins the lookup's on the shared tables) and SoftmaxCrossEntropy.
 */
class BertGradientCheckTest {

    @Test
    void everyParameterPassesTheGradientCheck() {
        TransformerConfig c = new TransformerConfig(TransformerConfig.Family.BERT, 12, 8, 1, 2, 12, 8, 2, 0.0, 0.0,
                1e-12, 0.5, 4, 0, 0, 0, Activation.GELU, true);
        BertBatch batch = BertFixtures.randomBatch(new Random(7), 12, 2, 6, 3);
        assertTrue(GradientChecks.check(() -> {
            ComputationGraph g = new ComputationGraph(BertModel.configuration(c, new NoOp(), List.of(), 3,
                    DataType.DOUBLE));
            g.init();
            return g;
        }, BertModel.toMultiDataSet(batch)));
    }
}
