package dev.signet.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The pool runs every index exactly once, passes failures back to the caller, and refuses work once closed. */
class CpuThreadPoolTest {

    @Test
    void everyIndexRunsOnceInGrainAlignedParts() {
        try (CpuThreadPool pool = new CpuThreadPool(3)) {
            for (int size : new int[] {1, 5, 6, 7, 100, 1001}) {
                int[] hits = new int[size];
                pool.parallelFor(size, 6, (s, e) -> {
                    if (s % 6 != 0) {
                        throw new AssertionError("part starts at " + s);
                    }
                    for (int i = s; i < e; i++) {
                        hits[i]++;
                    }
                });
                int[] once = new int[size];
                java.util.Arrays.fill(once, 1);
                assertArrayEquals(once, hits, "size " + size);
            }
        }
    }

    @Test
    void aFailingPartFailsTheCallAndThePoolGoesOn() {
        try (CpuThreadPool pool = new CpuThreadPool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(100, 1, (s, end) -> {
                if (s == 0) {
                    throw new IllegalStateException("boom");
                }
            }));
            assertEquals("boom", e.getMessage());
            AtomicInteger sum = new AtomicInteger();
            pool.parallelFor(100, 1, (s, end) -> sum.addAndGet(end - s));
            assertEquals(100, sum.get());
        }
    }

    @Test
    void refusesWorkOnceClosed() {
        CpuThreadPool pool = new CpuThreadPool(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.parallelFor(100, 1, (s, e) -> {}));
    }
}
