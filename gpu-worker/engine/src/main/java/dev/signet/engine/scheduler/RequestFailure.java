package dev.signet.engine.scheduler;

/** Why a request ended without finishing: refused on arrival, its delta could not be loaded, cancelled, or a step failed. */
public record RequestFailure(Kind kind, String message) {
    public enum Kind {
        /** Bad input: nothing was computed (prompt too long for the model or the KV pool, token outside the vocabulary). */
        REJECTED,
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
