package dev.signet.engine.deltacache;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How much the {@link DeltaCache} may hold: {@code deviceSlots} deltas resident on the device at once,
 * {@code hostBudgetBytes} of opened artifacts (device-resident ones included: their mappings stay open), and
 * {@code diskBudgetBytes} of artifact files under {@code diskDir}; {@code loaderThreads} fetch and check deltas
 * in the background.
 */
public record DeltaCacheConfig(int deviceSlots, long hostBudgetBytes, Path diskDir, long diskBudgetBytes, int loaderThreads) {
    private static final long GIB = 1L << 30;

    public DeltaCacheConfig {
        Objects.requireNonNull(diskDir, "diskDir");
        if (deviceSlots < 1) {
            throw new IllegalArgumentException("deviceSlots must be at least 1, got " + deviceSlots);
        }
        if (hostBudgetBytes < 1) {
            throw new IllegalArgumentException("hostBudgetBytes must be positive, got " + hostBudgetBytes);
        }
        if (diskBudgetBytes < 1) {
            throw new IllegalArgumentException("diskBudgetBytes must be positive, got " + diskBudgetBytes);
        }
        if (loaderThreads < 1) {
            throw new IllegalArgumentException("loaderThreads must be at least 1, got " + loaderThreads);
        }
    }

    /**
     * 8 device slots, 32 GiB of host memory (three or so 70B deltas of ~9 GB), 256 GiB of disk, 2 loader threads.
     * The budgets are ceilings, not reservations: a laptop serving the 65 kB demo deltas uses a few hundred kB.
     */
    public static DeltaCacheConfig defaults(Path diskDir) {
        return new DeltaCacheConfig(8, 32 * GIB, diskDir, 256 * GIB, 2);
    }
}
