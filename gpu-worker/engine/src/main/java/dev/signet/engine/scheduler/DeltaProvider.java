package dev.signet.engine.scheduler;

import dev.signet.engine.model.ResidentDelta;

/**
 * What the scheduler needs from the delta cache. Every method runs on the step thread, the only thread that
 * touches the model's device memory.
 */
public interface DeltaProvider {
    /** For a worker that serves only the base: every delta is unavailable. */
    DeltaProvider NONE = new DeltaProvider() {
        @Override
        public ResidentDelta acquire(String delta) {
            throw new DeltaUnavailableException(delta, "this worker serves only its base model");
        }

        @Override
        public void release(String delta) {
            throw new IllegalStateException("no delta was acquired");
        }
    };

    /**
     * The delta resident on the device and pinned for one more user, or null while it is not yet resident
     * (a load is then under way and the caller asks again at a later step; the provider wakes the step loop
     * through {@link #onReady} when it may succeed). Throws {@link DeltaUnavailableException} when the delta
     * cannot be had (unknown digest, fetch or check failed, no slot can ever be freed).
     */
    ResidentDelta acquire(String delta);

    /** One user of an acquired delta is done; an unpinned delta may be evicted. */
    void release(String delta);

    /** A request for the delta arrived: start bringing it closer (fetch, check, host memory) without taking a slot or a pin. */
    default void prefetch(String delta) {}

    /**
     * Whether the delta is ready for the device but every device slot holds a delta some request uses: a slot
     * frees only when its users finish, so the scheduler stops giving other deltas new users until it does.
     */
    default boolean waitsForSlot(String delta) {
        return false;
    }

    /** Runs at the start of every step: device-tier work queued from other threads (explicit loads, evictions). */
    default void beforeStep() {}

    /** Called once by the scheduler with an action that wakes its step loop; the provider calls it when a load finishes. */
    default void onReady(Runnable wake) {}
}
