package dev.signet.gateway.auth;

import java.time.Instant;

/**
 * One of a tenant's models as the registry binds it: its public name, the BitDelta it serves (sha256 digest; null
 * serves the base), its Medusa heads, the base model, and when it was bound.
 */
public record TenantModel(String name, String delta, String medusa, String baseModel, Instant createdAt) {}
