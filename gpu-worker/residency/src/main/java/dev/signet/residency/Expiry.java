package dev.signet.residency;

import java.time.Duration;

/** The time-to-live of a published report, in the whole milliseconds that Redis' PEXPIRE counts in. */
final class Expiry {
    private Expiry() {}

    /** The ttl in milliseconds; less than one millisecond would expire the record as it is written. */
    static long millis(Duration ttl) {
        if (ttl == null || ttl.toMillis() < 1) {
            throw new IllegalArgumentException("ttl must be positive (at least 1 ms), got " + ttl);
        }
        return ttl.toMillis();
    }
}
