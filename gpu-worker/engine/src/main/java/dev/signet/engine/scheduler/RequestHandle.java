package dev.signet.engine.scheduler;

/** The caller's hold on a submitted request. {@link #cancel} may be called from any thread, any number of times. */
public interface RequestHandle {
    String id();

    /** Stops the request before its next step; its KV blocks are freed and its sink gets {@code CANCELLED}. */
    void cancel();
}
