package dev.signet.engine.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The deterministic exp and lane sum: accurate, and the scalar exp equal to every vector lane bit for bit. */
class VectorMathTest {

    @Test
    void expIsWithinTwoUlpOfMathExpOverTheNormalRange() {
        SplittableRandom rng = new SplittableRandom(3);
        float[] x = new float[WeightVectors.L];
        float[] lanes = new float[WeightVectors.L];
        for (int trial = 0; trial < 200_000; trial++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rng.nextDouble() * 174 - 87);
            }
            VectorMath.exp(FloatVector.fromArray(WeightVectors.F, x, 0)).intoArray(lanes, 0);
            for (int i = 0; i < x.length; i++) {
                float exact = (float) Math.exp(x[i]);
                assertThat(Math.abs(lanes[i] - exact)).as("exp(%s)", x[i]).isLessThanOrEqualTo(2 * Math.ulp(exact));
                assertEquals(Float.floatToRawIntBits(lanes[i]), Float.floatToRawIntBits(VectorMath.exp(x[i])), "scalar = lane at " + x[i]);
            }
        }
    }

    @Test
    void expSaturatesInsteadOfOverflowing() {
        assertThat(VectorMath.exp(-1000f)).isBetween(0f, 1e-37f);
        assertThat(VectorMath.exp(0f)).isEqualTo(1f);
        assertThat(VectorMath.exp(1000f)).isFinite().isGreaterThan(1e38f);
    }

    /** The tree's order is part of the contract: it must not change with the JIT, so check it explicitly. */
    @Test
    void sumFoldsHalvesInAFixedTree() {
        float[] v = new float[WeightVectors.L];
        SplittableRandom rng = new SplittableRandom(8);
        for (int trial = 0; trial < 10_000; trial++) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((rng.nextDouble() - 0.5) * Math.pow(10, rng.nextInt(8)));
            }
            assertEquals(foldedSum(v.clone(), v.length), VectorMath.sum(FloatVector.fromArray(WeightVectors.F, v, 0)));
        }
    }

    private static float foldedSum(float[] v, int live) {
        if (live == 1) {
            return v[0];
        }
        int half = live / 2;
        for (int i = 0; i < half; i++) {
            v[i] += v[i + half];
        }
        return foldedSum(v, half);
    }
}
