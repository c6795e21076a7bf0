package dev.signet.gateway.admission;

import dev.signet.gateway.auth.Quota;
import dev.signet.gateway.auth.Tenant;
import dev.signet.gateway.openai.OpenAiException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Admission from the tenant's quota: a requests-per-minute bucket (one token per request), a tokens-per-minute bucket
 * charged after the fact with the tokens a request used (it may go negative: a tenant over budget is refused until it
 * has refilled), and a cap on requests in flight. A limit of 0 is no limit. Buckets are keyed by tenant and limit, so a
 * changed quota takes effect with a fresh bucket. Bucket and slot stores may call Redis, so admission runs off the
 * event loop.
 */
public final class QuotaAdmission implements Admission {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final BucketStore buckets;
    private final ConcurrencyLimiter concurrency;
    private final String prefix;

    public QuotaAdmission(BucketStore buckets, ConcurrencyLimiter concurrency, String keyPrefix) {
        this.buckets = buckets;
        this.concurrency = concurrency;
        this.prefix = keyPrefix + ":gateway:";
    }

    @Override
    public Mono<Permit> admit(Tenant tenant) {
        return Mono.fromCallable(() -> admitNow(tenant)).subscribeOn(Schedulers.boundedElastic());
    }

    private Permit admitNow(Tenant tenant) {
        Quota quota = tenant.quota();
        Bucket tokens = quota.tokensPerMinute() > 0 ? bucket("tpm", tenant.id(), quota.tokensPerMinute()) : null;
        if (tokens != null) {
            EstimationProbe probe = tokens.estimateAbilityToConsume(1);
            if (!probe.canBeConsumed()) {
                throw OpenAiException.rateLimited("tokens", "Rate limit reached for tenant " + tenant.id() + " on tokens per min:"
                        + " limit " + quota.tokensPerMinute() + ". Please try again later.", seconds(probe.getNanosToWaitForRefill()));
            }
        }
        if (quota.requestsPerMinute() > 0) {
            ConsumptionProbe probe = bucket("rpm", tenant.id(), quota.requestsPerMinute()).tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                throw OpenAiException.rateLimited("requests", "Rate limit reached for tenant " + tenant.id() + " on requests per"
                        + " min: limit " + quota.requestsPerMinute() + ". Please try again later.", seconds(probe.getNanosToWaitForRefill()));
            }
        }
        String requestId = UUID.randomUUID().toString();
        boolean holdsSlot = quota.maxConcurrent() > 0;
        if (holdsSlot && !concurrency.tryAcquire(tenant.id(), requestId, quota.maxConcurrent())) {
            throw OpenAiException.rateLimited("requests", "Too many concurrent requests for tenant " + tenant.id() + ": limit "
                    + quota.maxConcurrent() + ". Please try again when one has finished.", 1);
        }
        // Every caller of complete() waits for the one settlement the first call started.
        AtomicReference<Mono<Void>> settlement = new AtomicReference<>();
        return used -> {
            Mono<Void> settle = Mono.<Void>fromRunnable(() -> {
                if (tokens != null && used > 0) {
                    tokens.consumeIgnoringRateLimits(used);
                }
                if (holdsSlot) {
                    concurrency.release(tenant.id(), requestId);
                }
            }).subscribeOn(Schedulers.boundedElastic()).cache();
            return settlement.compareAndSet(null, settle) ? settle : settlement.get();
        };
    }

    private Bucket bucket(String kind, String tenant, long perMinute) {
        return buckets.bucket(prefix + kind + ":" + tenant + ":" + perMinute, () -> BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, MINUTE).build())
                .build());
    }

    private static long seconds(long nanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(nanos + TimeUnit.SECONDS.toNanos(1) - 1));
    }
}
