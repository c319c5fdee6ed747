package dev.sparkpretrain.model.bert;

import dev.sparkpretrain.model.GradientChecks;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.ops.Activation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference check of every parameter of a very small BERT: covers EmbeddingTables, EmbeddingLookup,
 * NormLayer, TransformerBlock (post-LN, GELU), ClsPooler, GatherPositions, Projection, TiedProjection (whose
 * gradient joins the lookup's on the shared tables) and SoftmaxCrossEntropy; with learned and with sinusoidal
 * positions (then the token-type rows follow the word rows directly).
 */
class BertGradientCheckTest {

    @ParameterizedTest
    @EnumSource(value = TransformerConfig.PositionEncoding.class, names = {"LEARNED", "SINUSOIDAL"})
    void everyParameterPassesTheGradientCheck(TransformerConfig.PositionEncoding positions) {
        TransformerConfig c = new TransformerConfig(TransformerConfig.Family.BERT, 12, 8, 1, 2, 12, 8, 2, 0.0, 0.0,
                1e-12, 0.5, 4, 0, 0, 0, Activation.GELU, true).withPositionEncoding(positions);
        BertBatch batch = BertFixtures.randomBatch(new Random(7), 12, 2, 6, 3);
        assertTrue(GradientChecks.check(c, BertModel.toMultiDataSet(batch)));
    }
}
