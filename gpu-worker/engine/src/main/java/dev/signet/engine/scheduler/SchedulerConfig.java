package dev.signet.engine.scheduler;

/**
 * Limits of the continuous-batching scheduler. Rows per step come from the model's {@code maxBatchRows}
 * (the token budget); {@code maxRunning} sequences hold KV blocks at once (at most the token budget, so every
 * running sequence decodes every step). Fairness follows S-LoRA's virtual token counter: a prompt token
 * costs {@code promptWeight}, a generated token {@code outputWeight}.
 */
public record SchedulerConfig(int maxRunning, double promptWeight, double outputWeight) {
    public SchedulerConfig {
        if (maxRunning < 1) {
            throw new IllegalArgumentException("max running sequences must be >= 1, got " + maxRunning);
        }
        if (!(promptWeight >= 0) || !(outputWeight > 0)) {
            throw new IllegalArgumentException("token weights must be >= 0 (prompt) and > 0 (output)");
        }
    }

    /** VTC's weights: a generated token costs twice a prompt token (it needs a step of its own). */
    public static SchedulerConfig of(int maxRunning) {
        return new SchedulerConfig(maxRunning, 1, 2);
    }
}
