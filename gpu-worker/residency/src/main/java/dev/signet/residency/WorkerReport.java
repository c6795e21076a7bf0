package dev.signet.residency;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one worker publishes in one heartbeat: what it is, how busy it is, which deltas it holds (sha256 digest
 * → tier; each delta appears once, at the best tier the worker has it in), and when the worker took this snapshot by
 * its own clock. A publish replaces the worker's previous report as a whole.
 */
public record WorkerReport(WorkerInfo info, WorkerLoad load, Map<String, Tier> deltas, Instant reportedAt) {

    public WorkerReport {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(load, "load");
        Objects.requireNonNull(deltas, "deltas");
        Objects.requireNonNull(reportedAt, "reportedAt");
        deltas.forEach((digest, tier) -> {
            DeltaDigest.require(digest);
            Objects.requireNonNull(tier, () -> "tier of delta " + digest);
        });
        deltas = Map.copyOf(deltas);
    }

    /** The reporting worker's id. */
    public String workerId() {
        return info.id();
    }
}
