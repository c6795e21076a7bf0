package dev.signet.registry.key;

import java.util.Objects;

/**
 * A tenant API key as stored: never the key itself, only its sha256 (hex) and its first 8 characters after
 * {@code sk-} to recognise it by. A revoked key ({@code revokedAt}, epoch seconds) is kept for audit and never valid again.
 */
public record ApiKey(String id, String tenant, String name, String prefix, String sha256, long createdAt, Long revokedAt) {
    public ApiKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(sha256, "sha256");
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    /** This key revoked at {@code when}; a key revoked already keeps its first revocation time. */
    public ApiKey revokedAt(long when) {
        return revoked() ? this : new ApiKey(id, tenant, name, prefix, sha256, createdAt, when);
    }
}
