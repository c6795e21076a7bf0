package dev.signet.gateway.admission;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;

/**
 * Where admission keeps its state: token buckets and concurrency slots in this process, or in Redis shared by all
 * gateways (then {@link #close()} closes the connections).
 */
public final class AdmissionStores implements AutoCloseable {
    private final BucketStore buckets;
    private final ConcurrencyLimiter concurrency;
    private final RedisClient client;   // null in process

    private AdmissionStores(BucketStore buckets, ConcurrencyLimiter concurrency, RedisClient client) {
        this.buckets = buckets;
        this.concurrency = concurrency;
        this.client = client;
    }

    public static AdmissionStores inProcess() {
        return new AdmissionStores(new LocalBucketStore(), new InProcessConcurrencyLimiter(), null);
    }

    /** Stores in the Redis at {@code redisUrl}, keys under {@code keyPrefix}; concurrency leases last at most {@code lease}. */
    public static AdmissionStores redis(String redisUrl, String keyPrefix, Duration lease) {
        RedisClient client = RedisClient.create(redisUrl);
        StatefulRedisConnection<String, byte[]> bucketConnection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        StatefulRedisConnection<String, String> slotConnection = client.connect();
        return new AdmissionStores(new RedisBucketStore(bucketConnection), new RedisConcurrencyLimiter(slotConnection, keyPrefix, lease),
                client);
    }

    public BucketStore buckets() {
        return buckets;
    }

    public ConcurrencyLimiter concurrency() {
        return concurrency;
    }

    @Override
    public void close() {
        if (client != null) {
            client.shutdown();
        }
    }
}
