package dev.signet.registry.tenant;

import java.util.Objects;

/** A tenant: its slug id, the name an operator sees, when it was created (epoch seconds) and its quota. */
public record Tenant(String id, String displayName, long createdAt, Quota quota) {
    public Tenant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(quota, "quota");
    }

    public Tenant withQuota(Quota newQuota) {
        return new Tenant(id, displayName, createdAt, newQuota);
    }
}
