package dev.signet.engine.scheduler;

/** Why a request ended without finishing: its delta could not be loaded, it was cancelled, a step failed, or the worker stopped. */
public record RequestFailure(Kind kind, String message) {
    public enum Kind {
        /** The request's delta could not be fetched, checked or loaded. */
        DELTA_UNAVAILABLE,
        /** The caller cancelled it; its KV blocks were freed at once. */
        CANCELLED,
        /** The engine failed while running it (a bug or a device error); the message says what. */
        FAILED,
        /** The worker is shutting down. */
        SHUTDOWN
    }
}
