package dev.signet.engine.scheduler;

/**
 * Limits of the continuous-batching scheduler. Rows per step come from the model's {@code maxBatchRows}
 * (the token budget); {@code maxRunning} sequences hold KV blocks at once (at most the token budget, so every
 * running sequence decodes every step). Fairness follows S-LoRA's virtual token counter: a prompt token
 * costs {@code promptWeight}, a generated token {@code outputWeight}. Speculation's trees may add up to
 * {@code draftRows} rows to a step, shared by the sequences that draft: a small batch gets big trees, a full
 * one small trees or none. With {@code adaptiveDrafts} the spare rows are measured down to what pays on this
 * hardware ({@link DraftRowsController}), so speculation never lowers throughput for long.
 */
public record SchedulerConfig(int maxRunning, double promptWeight, double outputWeight, int draftRows, boolean adaptiveDrafts) {
    public SchedulerConfig {
        if (maxRunning < 1) {
            throw new IllegalArgumentException("max running sequences must be >= 1, got " + maxRunning);
        }
        if (draftRows < 0) {
            throw new IllegalArgumentException("draft rows must be >= 0, got " + draftRows);
        }
        if (!(promptWeight >= 0) || !(outputWeight > 0)) {
            throw new IllegalArgumentException("token weights must be >= 0 (prompt) and > 0 (output)");
        }
    }

    /** VTC's weights: a generated token costs twice a prompt token (it needs a step of its own). */
    public static SchedulerConfig of(int maxRunning) {
        return new SchedulerConfig(maxRunning, 1, 2, 0, false);
    }

    public SchedulerConfig withDraftRows(int rows) {
        return new SchedulerConfig(maxRunning, promptWeight, outputWeight, rows, adaptiveDrafts);
    }

    /** Draft rows up to {@link #draftRows}, as many as measurably pay. */
    public SchedulerConfig adaptive() {
        return new SchedulerConfig(maxRunning, promptWeight, outputWeight, draftRows, true);
    }
}
