package dev.signet.residency;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one worker's record in a {@link ResidencyRegistry} alive: it publishes the worker's current report (from the
 * supplier) every {@code interval} as a heartbeat with {@code ttl}, and soon after {@link #changed()}. One daemon
 * thread makes every registry call, so the engine's threads never wait on Redis. A failed publish (Redis down or
 * restarting) is logged once per outage and retried at the next beat, which also re-registers the worker after Redis
 * lost its data. {@link #close()} is a clean shutdown that removes the record at once; {@link #abandon()} stops
 * beating without removing it, which is what a crashed worker looks like: its record expires after {@code ttl}.
 */
public final class ResidencyReporter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResidencyReporter.class);

    /** How long close() waits for an in-flight publish and the final remove (each bounded by the registry's timeout). */
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(5);

    private final ResidencyRegistry registry;
    private final Supplier<WorkerReport> report;
    private final Duration interval;
    private final Duration ttl;
    private final ScheduledThreadPoolExecutor thread;
    private final AtomicBoolean publishPending = new AtomicBoolean(); // coalesces changed() calls
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean(); // set before the final remove, so no publish runs after it
    private volatile String workerId; // of the latest report; what close() removes
    private boolean failing; // only touched on the reporter thread: true from a failed publish to the next success

    /**
     * @param registry where to publish; the caller keeps owning it (close() does not close it)
     * @param report   the worker's report as of now, called on the reporter thread before every publish
     * @param interval between heartbeats
     * @param ttl      how long a published report stays alive; longer than {@code interval}, so that one late or
     *                 failed beat does not make a healthy worker disappear (three intervals is a good choice)
     */
    public ResidencyReporter(ResidencyRegistry registry, Supplier<WorkerReport> report, Duration interval,
            Duration ttl) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.report = Objects.requireNonNull(report, "report");
        if (interval == null || interval.toMillis() < 1) {
            throw new IllegalArgumentException("heartbeat interval must be positive (at least 1 ms), got " + interval);
        }
        Expiry.millis(ttl);
        if (ttl.compareTo(interval) <= 0) {
            throw new IllegalArgumentException("ttl (" + ttl + ") must be longer than the heartbeat interval ("
                    + interval + "), or the worker's record expires between beats");
        }
        this.interval = interval;
        this.ttl = ttl;
        this.thread = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread t = new Thread(runnable, "residency-reporter");
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
    }

    /** Publishes now, then every interval. */
    public void start() {
        if (stopped.get()) {
            throw new IllegalStateException("reporter already closed or abandoned");
        }
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("reporter already started");
        }
        thread.scheduleWithFixedDelay(this::publish, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The worker's report changed (a delta loaded or evicted): publish it soon. Never blocks; calls that arrive while
     * a publish is pending share it. Before {@link #start()} and after shutdown it does nothing.
     */
    public void changed() {
        if (!started.get() || stopped.get() || !publishPending.compareAndSet(false, true)) {
            return;
        }
        try {
            thread.execute(this::publishChange);
        } catch (RejectedExecutionException shutDownMeanwhile) {
            publishPending.set(false); // closed between the check and here: nothing to publish any more
        }
    }

    /** Clean shutdown: stops the heartbeat and removes the worker's record at once (best effort, logged on failure). */
    @Override
    public void close() {
        if (!stopped.compareAndSet(false, true)) {
            return; // already closed or abandoned
        }
        // Queued after any publish in flight on the one thread, and publishes check `stopped`, so none runs after it.
        thread.execute(this::removeRecord);
        thread.shutdown();
        awaitThread();
    }

    /**
     * Stops beating without removing the record: what a crashed worker looks like to the registry. The record stays
     * until its ttl runs out. For tests, and for a worker that must not touch the registry any more.
     */
    public void abandon() {
        stopped.set(true);
        thread.shutdownNow(); // interrupts a publish in flight, as a crash would
        awaitThread();
    }

    private void publishChange() {
        publishPending.set(false); // before reading the report: a change from now on schedules another publish
        publish();
    }

    private void publish() {
        if (stopped.get()) {
            return;
        }
        String id = workerId;
        try {
            WorkerReport current = report.get();
            id = current.workerId();
            workerId = id;
            registry.publish(current, ttl);
            if (failing) {
                failing = false;
                log.info("residency: worker {} published again after failures; its record is current", id);
            }
        } catch (RuntimeException e) { // caught, or the scheduler would silently end the heartbeat
            if (stopped.get()) { // interrupted by abandon(), or raced close(): not an outage
                log.debug("residency: publish of worker {} cut short by shutdown: {}", id, e.toString());
                return;
            }
            if (!failing) {
                failing = true;
                log.warn("residency: publishing worker {} failed; retrying every {} (logged once until it succeeds)",
                        id, interval, e);
            } else {
                log.debug("residency: publishing worker {} failed again: {}", id, e.toString());
            }
        }
    }

    private void removeRecord() {
        String id = workerId;
        if (id == null) {
            return; // no report was ever taken, so nothing was published
        }
        try {
            registry.remove(id);
        } catch (RuntimeException e) {
            log.warn("residency: removing worker {} on shutdown failed; its record expires within {}", id, ttl, e);
        }
    }

    private void awaitThread() {
        try {
            if (!thread.awaitTermination(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("residency: reporter thread still busy after {}; leaving it (it is a daemon)", SHUTDOWN_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
