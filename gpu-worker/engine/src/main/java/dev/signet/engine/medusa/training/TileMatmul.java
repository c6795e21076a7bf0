package dev.signet.engine.medusa.training;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one matrix product head training needs, {@code C = A·B} or {@code C += A·B}, with B and C row-major and
 * contiguous ({@code [k, n]} and {@code [m, n]}) and A read through strides, so a transposed operand costs no copy:
 * {@code A(i, p) = a[aOff + i·rowStride + p·colStride]}. Register-blocked for the Vector API: a tile of 4 rows of C
 * × 2 vectors of columns stays in registers while k runs, each B vector serving 4 rows. The sum over k runs in
 * order p = 0, 1, ..., so a result does not depend on how callers split rows among threads.
 */
final class TileMatmul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private TileMatmul() {}

    /** {@code C[m, n] (+)= A[m, k] · B[k, n]}; {@code accumulate} false overwrites C. */
    static void multiply(int m, int n, int k,
                         float[] a, int aOff, int rowStride, int colStride,
                         float[] b, int bOff,
                         float[] c, int cOff, boolean accumulate) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int a0 = aOff + i * rowStride;
            int a1 = a0 + rowStride;
            int a2 = a1 + rowStride;
            int a3 = a2 + rowStride;
            int c0 = cOff + i * n;
            int j = 0;
            for (; j + 2 * L <= n; j += 2 * L) {
                FloatVector s00 = FloatVector.zero(F), s01 = FloatVector.zero(F);
                FloatVector s10 = FloatVector.zero(F), s11 = FloatVector.zero(F);
                FloatVector s20 = FloatVector.zero(F), s21 = FloatVector.zero(F);
                FloatVector s30 = FloatVector.zero(F), s31 = FloatVector.zero(F);
                for (int p = 0; p < k; p++) {
                    int bp = bOff + p * n + j;
                    FloatVector b0 = FloatVector.fromArray(F, b, bp);
                    FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
                    int ap = p * colStride;
                    FloatVector x = FloatVector.broadcast(F, a[a0 + ap]);
                    s00 = b0.fma(x, s00);
                    s01 = b1.fma(x, s01);
                    x = FloatVector.broadcast(F, a[a1 + ap]);
                    s10 = b0.fma(x, s10);
                    s11 = b1.fma(x, s11);
                    x = FloatVector.broadcast(F, a[a2 + ap]);
                    s20 = b0.fma(x, s20);
                    s21 = b1.fma(x, s21);
                    x = FloatVector.broadcast(F, a[a3 + ap]);
                    s30 = b0.fma(x, s30);
                    s31 = b1.fma(x, s31);
                }
                store(s00, c, c0 + j, accumulate);
                store(s01, c, c0 + j + L, accumulate);
                store(s10, c, c0 + n + j, accumulate);
                store(s11, c, c0 + n + j + L, accumulate);
                store(s20, c, c0 + 2 * n + j, accumulate);
                store(s21, c, c0 + 2 * n + j + L, accumulate);
                store(s30, c, c0 + 3 * n + j, accumulate);
                store(s31, c, c0 + 3 * n + j + L, accumulate);
            }
            for (; j < n; j++) {  // columns past the last pair of vectors
                for (int r = 0; r < 4; r++) {
                    c[c0 + r * n + j] = dot(k, a, a0 + r * rowStride, colStride, b, bOff + j, n)
                            + (accumulate ? c[c0 + r * n + j] : 0f);
                }
            }
        }
        for (; i < m; i++) {  // rows past the last group of 4
            int ai = aOff + i * rowStride;
            int ci = cOff + i * n;
            int j = 0;
            for (; j + L <= n; j += L) {
                FloatVector s = FloatVector.zero(F);
                for (int p = 0; p < k; p++) {
                    s = FloatVector.fromArray(F, b, bOff + p * n + j).fma(FloatVector.broadcast(F, a[ai + p * colStride]), s);
                }
                store(s, c, ci + j, accumulate);
            }
            for (; j < n; j++) {
                c[ci + j] = dot(k, a, ai, colStride, b, bOff + j, n) + (accumulate ? c[ci + j] : 0f);
            }
        }
    }

    private static void store(FloatVector s, float[] c, int at, boolean accumulate) {
        (accumulate ? s.add(FloatVector.fromArray(F, c, at)) : s).intoArray(c, at);
    }

    private static float dot(int k, float[] a, int aAt, int aStride, float[] b, int bAt, int bStride) {
        float s = 0;
        for (int p = 0; p < k; p++) {
            s = Math.fma(a[aAt + p * aStride], b[bAt + p * bStride], s);
        }
        return s;
    }
}
