package dev.signet.gateway.auth;

import dev.signet.gateway.openai.OpenAiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.http.HttpStatus;
import reactor.core.publisher.Mono;

/**
 * Remembers another authenticator's answers per key hash: a tenant for {@code ttl}, a refused key for
 * {@code negativeTtl} (so a client hammering with a bad key does not hammer the registry), failures not at all. So a
 * revoked key stops working within {@code ttl}. At most {@code maxEntries} keys are held; when full, expired entries
 * go first, and if none has expired the cache starts over.
 */
public final class CachingAuthenticator implements TenantAuthenticator {

    private record Entry(Tenant tenant, OpenAiException refusal, Instant expiresAt) {}

    private final TenantAuthenticator delegate;
    private final Duration ttl;
    private final Duration negativeTtl;
    private final int maxEntries;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public CachingAuthenticator(TenantAuthenticator delegate, Duration ttl, Duration negativeTtl, int maxEntries, Clock clock) {
        this.delegate = delegate;
        this.ttl = ttl;
        this.negativeTtl = negativeTtl;
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    @Override
    public Mono<Tenant> authenticate(String apiKey) {
        String hash = ApiKeys.hash(apiKey);
        Entry cached = entries.get(hash);
        if (cached != null && clock.instant().isBefore(cached.expiresAt())) {
            return cached.tenant() != null ? Mono.just(cached.tenant()) : Mono.error(cached.refusal());
        }
        return delegate.authenticate(apiKey)
                .doOnNext(tenant -> remember(hash, new Entry(tenant, null, clock.instant().plus(ttl))))
                .doOnError(OpenAiException.class, e -> {
                    if (e.status() == HttpStatus.UNAUTHORIZED) {
                        remember(hash, new Entry(null, e, clock.instant().plus(negativeTtl)));
                    }
                });
    }

    private void remember(String hash, Entry entry) {
        if (entries.size() >= maxEntries) {
            Instant now = clock.instant();
            entries.values().removeIf(e -> !now.isBefore(e.expiresAt()));
            if (entries.size() >= maxEntries) {
                entries.clear();
            }
        }
        entries.put(hash, entry);
    }
}
