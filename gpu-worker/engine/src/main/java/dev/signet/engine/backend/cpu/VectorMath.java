package dev.signet.engine.backend.cpu;

import static dev.signet.engine.backend.cpu.WeightVectors.F;

import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reductions and exp with one fixed result. The Vector API leaves the order of a float
 * {@code reduceLanes(ADD)} unspecified and computes {@code EXP} with SVML once compiled but per lane before,
 * so both can change in the last bit as the JIT warms up; a serving engine must give the same tokens for the
 * same request at any time. These use only add, multiply and fused multiply-add, exact in every JIT state,
 * and the scalar exp performs the same operations as each vector lane. Public for the other CPU kernels
 * (Medusa head training); vectors are of {@code FloatVector.SPECIES_PREFERRED}.
 */
public final class VectorMath {
    private static final float LOG2E = 1.44269504088896341f;
    // ln 2 split in two (Cody-Waite) so x - n·ln2 loses no bits: C1 has few mantissa bits, n·C1 is exact.
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    // Largest and smallest arguments whose exp is a normal float.
    private static final float MAX = 88.3762626647949f;
    private static final float MIN = -87.3365447505531f;
    // Adding 1.5 · 2^23 rounds a float of magnitude < 2^22 to the nearest integer.
    private static final float ROUND = 12582912f;
    // Cephes' expf polynomial for e^r - 1 - r on |r| <= ln2 / 2, relative error about 2e-7.
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    /** Shuffles that bring the upper half of the live lanes onto the lower half: L/2, L/4, ..., 1 lanes apart. */
    private static final List<VectorShuffle<Float>> FOLDS = folds(F);

    private VectorMath() {}

    /** The folds of {@link #sum(FloatVector, List)} for vectors of {@code species}. */
    static List<VectorShuffle<Float>> folds(VectorSpecies<Float> species) {
        int lanes = species.length();
        List<VectorShuffle<Float>> folds = new ArrayList<>();
        for (int half = lanes / 2; half >= 1; half /= 2) {
            int h = half;
            folds.add(VectorShuffle.fromOp(species, i -> (i + h) % lanes));
        }
        return List.copyOf(folds);
    }

    /**
     * The lanes' sum as a fixed tree: fold the upper half onto the lower half until one lane is left
     * (for 8 lanes, ((v0+v4)+(v2+v6)) + ((v1+v5)+(v3+v7))). Shuffles move bits exactly, so the order of the
     * additions is this method's, not the JIT's.
     */
    public static float sum(FloatVector v) {
        return sum(v, FOLDS);
    }

    /** {@link #sum(FloatVector)} for a vector of another species, with that species' {@link #folds}. */
    static float sum(FloatVector v, List<VectorShuffle<Float>> folds) {
        for (VectorShuffle<Float> fold : folds) {
            v = v.add(v.rearrange(fold));
        }
        return v.lane(0);
    }

    /** e^x per lane, within 2 ulp over the normal range; inputs below -87.3 give about 1e-38. */
    public static FloatVector exp(FloatVector x) {
        x = x.max(MIN).min(MAX);
        FloatVector n = x.fma(LOG2E, ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, FloatVector.broadcast(F, P2));
        p = p.fma(r, FloatVector.broadcast(F, P3));
        p = p.fma(r, FloatVector.broadcast(F, P4));
        p = p.fma(r, FloatVector.broadcast(F, P5));
        p = p.fma(r.mul(r), r).add(1f);
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    /** e^x, bit for bit what {@link #exp(FloatVector)} computes in each lane. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, MIN), MAX);
        float n = Math.fma(x, LOG2E, ROUND) - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        p = Math.fma(p, r * r, r) + 1f;
        return p * Float.intBitsToFloat(((int) n + 127) << 23);
    }
}
