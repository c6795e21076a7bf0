package dev.signet.engine.bench;

import dev.signet.engine.backend.cpu.CpuThreadPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The machine's memory bandwidth as a large array copy on every core (STREAM's "copy": bytes read plus
 * bytes written per second), the physical limit a memory-bound decode step is measured against.
 */
public final class MemoryBandwidth {
    private MemoryBandwidth() {}

    /** Best of {@code repeats} parallel copies of {@code bytes}; in bytes per second. */
    public static double measure(CpuThreadPool pool, long bytes, int repeats) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = arena.allocate(bytes, 4096);
            MemorySegment dst = arena.allocate(bytes, 4096);
            src.fill((byte) 1);
            dst.fill((byte) 2);
            int chunk = 1 << 20;
            int chunks = (int) (bytes / chunk);
            double best = 0;
            for (int i = 0; i < repeats; i++) {
                long t0 = System.nanoTime();
                pool.parallelFor(chunks, 1, (s, e) -> MemorySegment.copy(src, (long) s * chunk, dst, (long) s * chunk, (long) (e - s) * chunk));
                long t = System.nanoTime() - t0;
                best = Math.max(best, 2.0 * chunks * chunk / (t / 1e9));
            }
            return best;
        }
    }
}
