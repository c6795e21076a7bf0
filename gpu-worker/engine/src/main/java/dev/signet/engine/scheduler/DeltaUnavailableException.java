package dev.signet.engine.scheduler;

/** A request's delta cannot be made resident: its message says which delta and why. */
public final class DeltaUnavailableException extends RuntimeException {
    private final String delta;

    public DeltaUnavailableException(String delta, String reason) {
        super("delta " + delta + ": " + reason);
        this.delta = delta;
    }

    public DeltaUnavailableException(String delta, String reason, Throwable cause) {
        super("delta " + delta + ": " + reason, cause);
        this.delta = delta;
    }

    public String delta() {
        return delta;
    }
}
