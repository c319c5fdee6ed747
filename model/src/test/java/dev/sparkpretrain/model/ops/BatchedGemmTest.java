package dev.sparkpretrain.model.ops;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct BLAS loop against ND4J's rank-4 {@code matmul}: the same values bit for bit on dense operands, and on
 * strided head views of a fused projection (the way attention calls it), in FLOAT and DOUBLE, for all four
 * transpose combinations; and the ND4J fallback path gives the same products.
 */
class BatchedGemmTest {
    private static final long B = 3;
    private static final long HEADS = 2;
    private static final long T = 7;
    private static final long D = 5;

    @Test
    void denseOperandsGiveNd4jsProductBitForBit() {
        long m = T;
        long k = D;
        long n = 4;
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Nd4j.getRandom().setSeed(3);
            for (int flags = 0; flags < 4; flags++) {
                boolean ta = (flags & 1) != 0;
                boolean tb = (flags & 2) != 0;
                INDArray a = ta ? Nd4j.randn(type, B, HEADS, k, m) : Nd4j.randn(type, B, HEADS, m, k);
                INDArray b = tb ? Nd4j.randn(type, B, HEADS, n, k) : Nd4j.randn(type, B, HEADS, k, n);
                INDArray expected = Nd4j.matmul(a, b, ta, tb, false);
                INDArray c = Nd4j.create(type, B, HEADS, m, n);
                BatchedGemm.product(a, ta, b, tb, 1.0, c);
                assertArrayEquals(expected.dup('c').data().asDouble(), c.data().asDouble(),
                        type + " ta=" + ta + " tb=" + tb);
            }
        }
    }

    @Test
    void stridedHeadViewsReadAndWriteInPlace() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Nd4j.getRandom().setSeed(5);
            INDArray qkv = Nd4j.randn(type, B * T, 3 * HEADS * D);
            INDArray split = Attention.heads(qkv, B, T, 3, HEADS, D);
            INDArray q = Attention.part(split, 0);
            INDArray k = Attention.part(split, 1);
            INDArray scores = Nd4j.create(type, B, HEADS, T, T);
            BatchedGemm.product(q, false, k, true, 0.25, scores);
            INDArray expected = Nd4j.matmul(q.dup('c'), k.dup('c'), false, true, false).muli(0.25);
            assertArrayEquals(expected.data().asDouble(), scores.data().asDouble(), type + " q k^T");

            // write a product into the middle part of a fused [B*T, 3*h*d] array; the rest stays untouched
            INDArray out = Nd4j.zeros(type, B * T, 3 * HEADS * D);
            INDArray target = Attention.part(Attention.heads(out, B, T, 3, HEADS, D), 1);
            BatchedGemm.product(scores, true, q, false, 1.0, target);
            INDArray expectedOut = Nd4j.matmul(scores, q.dup('c'), true, false, false);
            assertArrayEquals(expectedOut.data().asDouble(), target.dup('c').data().asDouble(), type + " scores^T q");
            assertEquals(0.0, Attention.part(Attention.heads(out, B, T, 3, HEADS, D), 0).dup().norm1Number()
                    .doubleValue());
            assertEquals(0.0, Attention.part(Attention.heads(out, B, T, 3, HEADS, D), 2).dup().norm1Number()
                    .doubleValue());
        }
    }

    @Test
    void nd4jFallbackGivesTheSameProducts() {
        INDArray qkv = Nd4j.randn(DataType.DOUBLE, B * T, 3 * HEADS * D);
        INDArray split = Attention.heads(qkv, B, T, 3, HEADS, D);
        INDArray direct = Nd4j.create(DataType.DOUBLE, B, HEADS, T, T);
        INDArray viaNd4j = Nd4j.create(DataType.DOUBLE, B, HEADS, T, T);
        BatchedGemm.product(Attention.part(split, 0), false, Attention.part(split, 2), true, 0.5, direct);
        boolean before = BatchedGemm.direct;
        BatchedGemm.direct = false;
        try {
            BatchedGemm.product(Attention.part(split, 0), false, Attention.part(split, 2), true, 0.5, viaNd4j);
        } finally {
            BatchedGemm.direct = before;
        }
        assertTrue(direct.equalsWithEps(viaNd4j, 1e-12), "fallback differs");
        assertTrue(direct.norm1Number().doubleValue() > 0);
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int saved = Nd4j.getEnvironment().maxMasterThreads();
        INDArray qkv = Nd4j.randn(DataType.FLOAT, B * T, 3 * HEADS * D);
        INDArray split = Attention.heads(qkv, B, T, 3, HEADS, D);
        INDArray[] out = new INDArray[2];
        try {
            for (int t = 1; t <= 2; t++) {
                Nd4j.getEnvironment().setMaxMasterThreads(t);
                out[t - 1] = Nd4j.create(DataType.FLOAT, B, HEADS, T, T);
                BatchedGemm.product(Attention.part(split, 1), false, Attention.part(split, 2), true, 0.3, out[t - 1]);
            }
        } finally {
            Nd4j.getEnvironment().setMaxMasterThreads(saved);
        }
        assertArrayEquals(out[0].data().asDouble(), out[1].data().asDouble());
    }
}
