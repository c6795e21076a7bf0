package dev.signet.residency;

/**
 * How busy a worker is at the moment of a report: free delta slots in device memory, requests waiting in its queue,
 * sequences running in its batch, and the fraction of its KV cache in use (0 to 1, as vLLM's
 * {@code kv_cache_usage_perc}). Routing prefers the holder with the fewest {@link #queuedAndRunning()}.
 */
public record WorkerLoad(int freeSlots, int queueDepth, int running, double kvUsage) {

    public WorkerLoad {
        if (freeSlots < 0 || queueDepth < 0 || running < 0) {
            throw new IllegalArgumentException("load counts must not be negative, got freeSlots=" + freeSlots
                    + " queueDepth=" + queueDepth + " running=" + running);
        }
        if (!(kvUsage >= 0 && kvUsage <= 1)) { // also rejects NaN
            throw new IllegalArgumentException("kvUsage is a fraction from 0 to 1, got " + kvUsage);
        }
    }

    /** The work a new request would wait behind. */
    public int queuedAndRunning() {
        return queueDepth + running;
    }
}
