package dev.signet.engine.deltacache;

/**
 * A delta could not be brought into a tier: names the delta, the tier where the load stopped (DISK: fetching or
 * verifying the file, or the disk budget; HOST: the artifact's checks or the host budget; DEVICE: the slots or
 * the backend) and why. The cause, when there is one, is the {@link DeltaNotFoundException}, the
 * {@link dev.signet.engine.bitdelta.BitDeltaException} (with its failed check) or the I/O error.
 */
public final class DeltaLoadException extends RuntimeException {
    private final String digest;
    private final CacheTier tier;
    private final String reason;

    public DeltaLoadException(String digest, CacheTier tier, String reason) {
        this(digest, tier, reason, null);
    }

    public DeltaLoadException(String digest, CacheTier tier, String reason, Throwable cause) {
        super("delta " + digest + ": " + tier.label() + " tier: " + reason, cause);
        this.digest = digest;
        this.tier = tier;
        this.reason = reason;
    }

    public String digest() {
        return digest;
    }

    /** The tier the load could not reach. */
    public CacheTier tier() {
        return tier;
    }

    /** The message without the delta's digest: {@code <tier> tier: <why>}. */
    public String reason() {
        return tier.label() + " tier: " + reason;
    }
}
