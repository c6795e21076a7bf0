package dev.signet.engine.deltacache;

import java.util.Locale;

/** Where a delta is held, best (fastest to serve from) first: a device slot, host memory, the local disk cache. */
public enum CacheTier {
    DEVICE,
    HOST,
    DISK;

    /** The better (faster) of two tiers; null stands for "in no tier". */
    static CacheTier better(CacheTier a, CacheTier b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** True when a delta held in this tier is also held in {@code other} or better, e.g. DEVICE covers HOST. */
    boolean covers(CacheTier other) {
        return compareTo(other) <= 0;
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
