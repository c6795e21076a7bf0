package dev.signet.gateway.admission;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Buckets in Redis, shared by every gateway of a deployment (Bucket4j's compare-and-swap proxy over Lettuce). A bucket's
 * key expires once it would have refilled to full, so idle tenants leave nothing behind.
 */
public final class RedisBucketStore implements BucketStore {
    private final ProxyManager<String> buckets;

    public RedisBucketStore(StatefulRedisConnection<String, byte[]> connection) {
        this.buckets = Bucket4jLettuce.casBasedBuilder(connection)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .build();
    }

    @Override
    public Bucket bucket(String key, Supplier<BucketConfiguration> configuration) {
        return buckets.getProxy(key, configuration);
    }
}
