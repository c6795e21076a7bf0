package dev.signet.gateway.distributed;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling for what other processes make true in their own time (a heartbeat, a background usage report). */
final class Waiting {
    private Waiting() {}

    /** Returns once {@code condition} holds; an AssertionError naming {@code what} after {@code timeout}. */
    static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting until " + what);
            }
            sleep(100);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
