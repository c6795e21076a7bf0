package dev.signet.worker.metrics;

import dev.signet.engine.scheduler.SpeculationStats;
import java.util.Locale;

/**
 * One request's latencies and counts as they happen: time to first token from submission, the gap before every
 * later token, tokens per tenant, what speculation did for it, and how the request ended. Its methods run on the
 * step thread, one call at a time.
 */
public final class RequestMetrics {
    private final WorkerMetrics metrics;
    private final String tenantLabel;
    private final long submittedNanos;
    private long lastTokenNanos = -1;

    RequestMetrics(WorkerMetrics metrics, String tenantLabel, long submittedNanos) {
        this.metrics = metrics;
        this.tenantLabel = tenantLabel;
        this.submittedNanos = submittedNanos;
    }

    public void token(int promptTokens) {
        long now = System.nanoTime();
        if (lastTokenNanos < 0) {
            metrics.firstToken(tenantLabel, now - submittedNanos, promptTokens);
        } else {
            metrics.nextToken(now - lastTokenNanos);
        }
        lastTokenNanos = now;
        metrics.generated(tenantLabel);
    }

    /** The request finished; its tree steps, drafted and accepted tokens count for its tenant (nothing without tree steps). */
    public void speculated(SpeculationStats speculation) {
        if (speculation != null && speculation.drafts() > 0) {
            metrics.speculation(tenantLabel, speculation);
        }
    }

    /** The request ended: {@code stop} or {@code length}, or a failure kind ({@code cancelled}, {@code delta_unavailable}, ...). */
    public void ended(String outcome) {
        metrics.tenantRequests(tenantLabel, outcome.toLowerCase(Locale.ROOT)).increment();
    }
}
