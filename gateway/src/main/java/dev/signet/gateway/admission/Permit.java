package dev.signet.gateway.admission;

import reactor.core.publisher.Mono;

/** An admitted request's hold on its tenant's quota. */
public interface Permit {
    /**
     * The request ended having used {@code tokens} (prompt + completion): charges them and frees its concurrency slot,
     * done when the returned Mono completes. Only the first call counts.
     */
    Mono<Void> complete(long tokens);
}
