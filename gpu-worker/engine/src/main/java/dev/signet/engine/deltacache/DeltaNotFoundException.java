package dev.signet.engine.deltacache;

/** A {@link DeltaSource} holds no artifact with the digest asked for. */
public final class DeltaNotFoundException extends RuntimeException {
    private final String digest;

    public DeltaNotFoundException(String digest, String source) {
        super(source + " has no delta with digest " + digest);
        this.digest = digest;
    }

    public String digest() {
        return digest;
    }
}
