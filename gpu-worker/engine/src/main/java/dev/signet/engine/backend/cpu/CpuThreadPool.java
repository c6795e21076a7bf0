package dev.signet.engine.backend.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU backend's own threads, one per core: a parallel loop splits a range into one contiguous part per
 * thread, the caller running the last part itself. Workers spin briefly between loops (a decode step
 * issues a hundred small loops back to back) and park when idle. One thread calls it at a time.
 */
public final class CpuThreadPool implements AutoCloseable {
    /** A loop body over {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /** Long enough to bridge the serial work between two parallel loops of a step, so workers rarely park mid-step. */
    private static final long SPIN_NANOS = 5_000_000;

    /** One parallel loop, published whole so a worker never mixes the fields of two loops. */
    private record Loop(long id, RangeBody body, int size, int grain, int parts, AtomicInteger pending,
                        AtomicReference<Throwable> failure) {
        void runPart(int part) {
            int chunks = (size + grain - 1) / grain;
            int start = (int) Math.min(size, (long) chunks * part / parts * grain);
            int end = part == parts - 1 ? size : (int) Math.min(size, (long) chunks * (part + 1) / parts * grain);
            if (start < end) {
                body.run(start, end);
            }
        }
    }

    private final Thread[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Loop current;
    private volatile boolean closed;
    private long nextId = 1;

    public CpuThreadPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a pool needs at least one thread, got " + threads);
        }
        workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int part = i;
            workers[i] = Thread.ofPlatform().daemon().name("signet-cpu-" + i).unstarted(() -> workerLoop(part));
            workers[i].start();
        }
    }

    public int threads() {
        return workers.length + 1;
    }

    /**
     * Runs {@code body} over {@code [0, size)} split into contiguous parts whose bounds are multiples of
     * {@code grain} (the last part takes the rest), and returns when all are done. A short range uses fewer parts.
     */
    public void parallelFor(int size, int grain, RangeBody body) {
        if (closed) {
            throw new IllegalStateException("CpuThreadPool is closed");
        }
        int chunks = (size + grain - 1) / grain;
        int parts = Math.min(threads(), chunks);
        if (parts <= 1) {
            body.run(0, size);
            return;
        }
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("CpuThreadPool used by two threads at once (" + Thread.currentThread().getName() + ")");
        }
        try {
            Loop loop = new Loop(nextId++, body, size, grain, parts, new AtomicInteger(parts - 1), new AtomicReference<>());
            current = loop;
            for (int i = 0; i < parts - 1; i++) {
                LockSupport.unpark(workers[i]);
            }
            try {
                loop.runPart(parts - 1);
            } finally {
                while (loop.pending().get() > 0) {
                    if (closed) {
                        throw new IllegalStateException("CpuThreadPool closed while a loop was running");
                    }
                    Thread.onSpinWait();
                }
            }
            Throwable f = loop.failure().get();
            if (f instanceof RuntimeException re) {
                throw re;
            } else if (f instanceof Error err) {
                throw err;
            } else if (f != null) {
                throw new IllegalStateException(f);
            }
        } finally {
            busy.set(false);
        }
    }

    private void workerLoop(int part) {
        long seen = 0;
        while (!closed) {
            Loop loop = current;
            if (loop == null || loop.id() == seen) {
                idle(loop);
                continue;
            }
            seen = loop.id();
            if (part < loop.parts() - 1) {
                try {
                    loop.runPart(part);
                } catch (Throwable t) {
                    loop.failure().compareAndSet(null, t);
                } finally {
                    loop.pending().decrementAndGet();
                }
            }
        }
    }

    private void idle(Loop seen) {
        long until = System.nanoTime() + SPIN_NANOS;
        while (current == seen && !closed && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        if (current == seen && !closed) {
            LockSupport.parkNanos(this, 10_000_000);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
