package dev.signet.engine.medusa.training;

/**
 * AdamW as PyTorch's {@code torch.optim.AdamW} steps (decoupled weight decay, bias-corrected moments, eps added to
 * the root of the second moment), with the learning rate of Hugging Face's cosine schedule: linear warm-up from 0
 * over {@code warmup} steps, then half a cosine down to 0 at {@code steps}. Moments are float32 as PyTorch keeps
 * them; each update is computed in double.
 */
final class AdamW {
    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPS = 1e-8;

    private final double peak;
    private final int warmup;
    private final int steps;
    private final double weightDecay;
    private final float[][] m1w, m2w, m1b, m2b;  // first and second moments, shaped as the parameters
    private int t;

    AdamW(HeadParameters p, double peak, int warmup, int steps, double weightDecay) {
        this.peak = peak;
        this.warmup = warmup;
        this.steps = steps;
        this.weightDecay = weightDecay;
        m1w = new float[p.blocks()][p.dim() * p.dim()];
        m2w = new float[p.blocks()][p.dim() * p.dim()];
        m1b = new float[p.blocks()][p.dim()];
        m2b = new float[p.blocks()][p.dim()];
    }

    /** Hugging Face's {@code get_cosine_schedule_with_warmup} at optimizer step {@code step} (0-based). */
    double learningRate(int step) {
        if (step < warmup) {
            return peak * step / Math.max(1, warmup);
        }
        double progress = (double) (step - warmup) / Math.max(1, steps - warmup);
        return peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
    }

    /** Applies step {@code t} (0-based, the t-th call) to {@code p} in place. */
    void step(HeadParameters p, HeadGradients g) {
        double lr = learningRate(t);
        t++;
        double c1 = 1 - Math.pow(BETA1, t);
        double c2 = 1 - Math.pow(BETA2, t);
        for (int b = 0; b < p.blocks(); b++) {
            update(p.weight()[b], g.weight()[b], m1w[b], m2w[b], lr, c1, c2);
            update(p.bias()[b], g.bias()[b], m1b[b], m2b[b], lr, c1, c2);
        }
    }

    private void update(float[] param, double[] grad, float[] m1, float[] m2, double lr, double c1, double c2) {
        for (int i = 0; i < param.length; i++) {
            double gi = (float) grad[i];  // the gradient as PyTorch would hold it, in float32
            m1[i] = (float) (BETA1 * m1[i] + (1 - BETA1) * gi);
            m2[i] = (float) (BETA2 * m2[i] + (1 - BETA2) * gi * gi);
            double value = param[i] * (1 - lr * weightDecay);
            value -= lr * (m1[i] / c1) / (Math.sqrt(m2[i] / c2) + EPS);
            param[i] = (float) value;
        }
    }
}
