package dev.signet.gateway.admission;

import dev.signet.gateway.auth.Tenant;
import reactor.core.publisher.Mono;

/**
 * Decides whether a tenant's request may run now, from its quota: a {@link Permit}, or a 429 {@code rate_limit_exceeded}
 * with the seconds to wait. The request hands its permit back, with the tokens it used, when it ends.
 */
public interface Admission {
    Mono<Permit> admit(Tenant tenant);
}
