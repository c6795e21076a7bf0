package dev.signet.engine.eval;

/**
 * Log-probabilities of a row of float logits, computed in double so that sums over thousands of tokens and
 * differences of nearly equal distributions keep their digits: log p_i = x_i − logsumexp(x), with the
 * maximum subtracted before exponentiating.
 */
public final class LogSoftmax {
    private LogSoftmax() {}

    /** log Σ exp(x[off .. off+n)), stable for any magnitude. */
    public static double logSumExp(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = off; i < off + n; i++) {
            max = Math.max(max, x[i]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("every logit of the row is -infinity");
        }
        double sum = 0;
        for (int i = off; i < off + n; i++) {
            sum += Math.exp(x[i] - max);
        }
        return max + Math.log(sum);
    }

    /** −log softmax(x)[target], in nats. */
    public static double nll(float[] x, int off, int n, int target) {
        if (target < 0 || target >= n) {
            throw new IllegalArgumentException("target " + target + " is outside the row of " + n);
        }
        return logSumExp(x, off, n) - x[off + target];
    }

    /** KL(p ‖ q) = Σ p_i (log p_i − log q_i) in nats, for p = softmax(a), q = softmax(b). */
    public static double kl(float[] a, int aOff, float[] b, int bOff, int n) {
        double lseA = logSumExp(a, aOff, n);
        double lseB = logSumExp(b, bOff, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double logP = a[aOff + i] - lseA;
            double p = Math.exp(logP);
            if (p > 0) { // 0 · log 0 = 0; skipping also avoids −inf − −inf
                sum += p * (logP - (b[bOff + i] - lseB));
            }
        }
        return sum;
    }
}
