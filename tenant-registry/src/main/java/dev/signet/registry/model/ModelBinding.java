package dev.signet.registry.model;

import java.util.Objects;

/**
 * One of a tenant's models: the name its clients send as {@code model}, the BitDelta artifact it serves (sha256 digest;
 * null serves the base itself), the Medusa heads that draft for it (null: the worker's default), the base model the
 * delta was made against, and when the name was first bound (epoch seconds; a re-bind keeps it).
 */
public record ModelBinding(String name, String delta, String medusa, String baseModel, long createdAt) {
    public ModelBinding {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseModel, "baseModel");
    }

    public ModelBinding createdAt(long firstBound) {
        return new ModelBinding(name, delta, medusa, baseModel, firstBound);
    }
}
