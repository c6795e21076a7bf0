package dev.signet.engine.scheduler;

import java.util.concurrent.TimeUnit;

/**
 * The owner thread of one model: runs {@link Scheduler#step} back to back while there is work and parks when
 * there is none. It is the only thread that touches the model's device memory, so a CUDA context stays
 * current on it. Closing it stops the thread after the current step and ends every request with
 * {@code SHUTDOWN}.
 */
public final class StepLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StepLoop.class.getName());
    /** A parked loop looks again this often even without a wake-up: a safety net, not the mechanism. */
    private static final long IDLE_CHECK_MS = 200;

    private final Scheduler scheduler;
    private final Thread thread;
    private volatile boolean stopping;

    public StepLoop(Scheduler scheduler, String threadName) {
        this.scheduler = scheduler;
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::run);
    }

    public StepLoop start() {
        thread.start();
        return this;
    }

    private void run() {
        while (!stopping) {
            try {
                if (!scheduler.step()) {
                    scheduler.awaitWork(IDLE_CHECK_MS, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // A failed forward pass ends its requests inside step(); anything reaching here is a bug in the
                // scheduler's own bookkeeping. Keep serving, but do not spin on it.
                LOG.log(System.Logger.Level.ERROR, "scheduler step failed", e);
                try {
                    Thread.sleep(IDLE_CHECK_MS);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        stopping = true;
        scheduler.wake();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.shutdown();
    }
}
