package dev.signet.residency;

import java.time.Duration;
import java.util.List;

/**
 * The shared record of which worker holds which delta in which tier, with each worker's address, capacity and load.
 * Workers publish their whole report on every heartbeat with a time-to-live; a worker that stops publishing disappears
 * when its ttl runs out, so readers (the gateway's router) only ever see live workers. {@link RedisResidencyRegistry}
 * is the distributed implementation, {@link InProcessResidencyRegistry} the one for the all-in-one mode.
 */
public interface ResidencyRegistry extends AutoCloseable {

    /** Replaces this worker's whole record (info, load, deltas) and keeps it alive for ttl. Idempotent: it also re-registers after a Redis restart. */
    void publish(WorkerReport report, Duration ttl);

    /** Clean shutdown: removes the worker and its delta entries at once. */
    void remove(String workerId);

    /** Live workers (heartbeat not expired). */
    List<WorkerReport> workers();

    /** Live workers holding the delta, best tier first, then fewest queued+running. */
    List<DeltaHolder> holders(String delta);

    @Override
    void close();
}
