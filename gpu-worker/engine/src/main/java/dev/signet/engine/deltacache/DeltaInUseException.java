package dev.signet.engine.deltacache;

/** An eviction was refused: running requests use the delta, it is pinned, or a load to the device is pending. */
public final class DeltaInUseException extends RuntimeException {
    private final String digest;

    public DeltaInUseException(String digest, String reason) {
        super("delta " + digest + " cannot be evicted: " + reason);
        this.digest = digest;
    }

    public String digest() {
        return digest;
    }
}
