package dev.signet.gateway.auth;

import reactor.core.publisher.Mono;

/**
 * Turns a tenant API key into its tenant. Fails with a 401 {@code invalid_api_key} for an unknown or revoked key and a
 * 503 when the answer cannot be had. The gateway's bean caches {@link RegistryAuthenticator}'s answers; the all-in-one
 * launcher may replace it.
 */
public interface TenantAuthenticator {
    Mono<Tenant> authenticate(String apiKey);
}
