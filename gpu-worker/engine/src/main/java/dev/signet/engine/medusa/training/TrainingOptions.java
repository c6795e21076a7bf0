package dev.signet.engine.medusa.training;

/**
 * How heads are trained: {@code heads} heads of {@code layers} ResBlocks, {@code steps} AdamW steps on batches of
 * {@code batch} samples (every position of each), peak learning rate {@code learningRate} after {@code warmup}
 * linear warm-up steps, then cosine to 0; {@code seed} draws the biases and the batches. The fixtures' recipe:
 * 3 heads of 1 layer, 2000 steps of 64 samples, 1e-3, 200 warm-up steps, weight decay 0.
 */
public record TrainingOptions(int heads, int layers, int steps, int batch, double learningRate, int warmup,
                              double weightDecay, long seed) {
    public static final int DEFAULT_HEADS = 3;
    public static final int DEFAULT_LAYERS = 1;
    public static final int DEFAULT_STEPS = 2000;
    public static final int DEFAULT_BATCH = 64;
    public static final double DEFAULT_LEARNING_RATE = 1e-3;

    public TrainingOptions {
        if (heads < 1 || layers < 1) {
            throw new IllegalArgumentException("heads and layers must be at least 1, got " + heads + " and " + layers);
        }
        if (steps < 1 || batch < 1) {
            throw new IllegalArgumentException("steps and batch must be at least 1, got " + steps + " and " + batch);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("the learning rate must be a positive number, got " + learningRate);
        }
        if (warmup < 0 || warmup >= steps) {
            throw new IllegalArgumentException("warm-up steps must be in [0, steps), got " + warmup + " for " + steps + " steps");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
    }

    /** The fixtures' warm-up, a tenth of the steps (200 of 2000). */
    public static int defaultWarmup(int steps) {
        return steps / 10;
    }
}
