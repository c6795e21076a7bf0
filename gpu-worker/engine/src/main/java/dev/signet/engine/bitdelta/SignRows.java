package dev.signet.engine.bitdelta;

import java.util.Arrays;

/**
 * Row-level BitDelta arithmetic on the host: packing a row's signs into words, and the closed-form scale
 * that fits {@code α·s} to a row {@code d} of ΔW under the metric of the inputs the matrix meets. With
 * {@code C = Σ x xᵀ} over calibration inputs, the output error {@code Σ ((d − α s)·x)²} is the quadratic form
 * {@code (d − α s) C (d − α s)ᵀ}, minimised by {@code α = d C sᵀ / s C sᵀ}; without inputs ({@code C = I})
 * that is {@code mean|d|}, BitDelta's own initial scale.
 */
final class SignRows {
    private SignRows() {}

    /** words[k] bit i = (row[32k + i] > 0); padding bits stay zero. Returns the number of 1 bits. words: [ceil(cols/32)] */
    static int pack(float[] row, int[] words) {
        Arrays.fill(words, 0);
        int ones = 0;
        for (int i = 0; i < row.length; i++) {
            if (row[i] > 0) {
                words[i >>> 5] |= 1 << (i & 31);
                ones++;
            }
        }
        return ones;
    }

    /** s[i] = ±1 from packed words. */
    static float sign(int[] words, int i) {
        return (words[i >>> 5] >>> (i & 31) & 1) != 0 ? 1f : -1f;
    }

    /**
     * Row-fitted scale {@code d C sᵀ / s C sᵀ}, the error without the plane ({@code d C dᵀ}) and the error it
     * leaves; {@code dcs} and {@code scs} sum over rows to fit one scale per matrix. c: [n, n]
     */
    record Fit(float scale, double before, double after, double dcs, double scs) {}

    static Fit fit(float[] d, int[] words, double[] c) {
        int n = d.length;
        double[] cs = new double[n];  // C sᵀ
        for (int i = 0; i < n; i++) {
            double s = sign(words, i);
            int row = i * n;
            for (int j = 0; j < n; j++) {
                cs[j] += c[row + j] * s;  // C is symmetric: column i of C is row i
            }
        }
        double dcs = 0;
        double scs = 0;
        double dcd = 0;
        for (int i = 0; i < n; i++) {
            dcs += d[i] * cs[i];
            scs += sign(words, i) * cs[i];
            double cd = 0;
            int row = i * n;
            for (int j = 0; j < n; j++) {
                cd += c[row + j] * d[j];
            }
            dcd += d[i] * cd;
        }
        if (scs <= 0) {
            return new Fit(0f, dcd, dcd, dcs, scs);
        }
        double alpha = dcs / scs;
        return new Fit((float) alpha, dcd, Math.max(0, dcd - dcs * dcs / scs), dcs, scs);
    }

    /**
     * Signs chosen with error feedback (GPTQ's column sweep at one bit): column by column, the sign nearest the
     * row's remaining delta is taken, and the output error it causes is pushed onto the columns not yet chosen
     * through the inverse of the inputs' covariance, so later signs compensate for earlier ones. The result
     * minimises {@code (d − α s) C (d − α s)ᵀ} far better than {@code sign(d)} does. u: [n, n] upper Cholesky
     * factor of {@code C⁻¹} ({@link #inverseFactor}); words: [ceil(n/32)]
     */
    static void errorFeedbackSigns(float[] d, float alpha, double[] u, int[] words) {
        int n = d.length;
        double[] left = new double[n];
        for (int i = 0; i < n; i++) {
            left[i] = d[i];
        }
        Arrays.fill(words, 0);
        for (int i = 0; i < n; i++) {
            double q;
            if (left[i] > 0) {
                words[i >>> 5] |= 1 << (i & 31);
                q = alpha;
            } else {
                q = -alpha;
            }
            double e = (left[i] - q) / u[i * n + i];
            for (int j = i + 1; j < n; j++) {
                left[j] -= e * u[i * n + j];
            }
        }
    }

    /**
     * The upper Cholesky factor U of {@code (C + λI)⁻¹} (so {@code (C + λI)⁻¹ = UᵀU}), with GPTQ's damping
     * λ = 1% of C's mean diagonal so that inputs that never vary do not make C singular. c: [n, n]
     */
    static double[] inverseFactor(double[] c, int n) {
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += c[i * n + i];
        }
        double damp = 0.01 * Math.max(mean / n, 1e-12);
        double[] a = c.clone();
        for (int i = 0; i < n; i++) {
            a[i * n + i] += damp;
        }
        double[] l = cholesky(a, n);              // A = L Lᵀ
        double[] inv = new double[n * n];         // A⁻¹ = L⁻ᵀ L⁻¹
        double[] li = lowerInverse(l, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int k = Math.max(i, j); k < n; k++) {
                    sum += li[k * n + i] * li[k * n + j];
                }
                inv[i * n + j] = sum;
            }
        }
        double[] lower = cholesky(inv, n);       // A⁻¹ = L' L'ᵀ, so U = L'ᵀ
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                u[i * n + j] = lower[j * n + i];
            }
        }
        return u;
    }

    /** Lower L with A = L Lᵀ. a: [n, n] symmetric positive definite */
    private static double[] cholesky(double[] a, int n) {
        double[] l = new double[n * n];
        for (int j = 0; j < n; j++) {
            double diag = a[j * n + j];
            for (int k = 0; k < j; k++) {
                diag -= l[j * n + k] * l[j * n + k];
            }
            if (diag <= 0) {
                throw new ArithmeticException("calibration covariance is not positive definite at column " + j);
            }
            l[j * n + j] = Math.sqrt(diag);
            for (int i = j + 1; i < n; i++) {
                double sum = a[i * n + j];
                for (int k = 0; k < j; k++) {
                    sum -= l[i * n + k] * l[j * n + k];
                }
                l[i * n + j] = sum / l[j * n + j];
            }
        }
        return l;
    }

    /** L⁻¹ of a lower-triangular L, by forward substitution. */
    private static double[] lowerInverse(double[] l, int n) {
        double[] inv = new double[n * n];
        for (int col = 0; col < n; col++) {
            inv[col * n + col] = 1 / l[col * n + col];
            for (int i = col + 1; i < n; i++) {
                double sum = 0;
                for (int k = col; k < i; k++) {
                    sum -= l[i * n + k] * inv[k * n + col];
                }
                inv[i * n + col] = sum / l[i * n + i];
            }
        }
        return inv;
    }

    /** d −= scale · s, in place: what a plane leaves for the next one. */
    static void subtract(float[] d, int[] words, float scale) {
        for (int i = 0; i < d.length; i++) {
            d[i] -= scale * sign(words, i);
        }
    }
}
