package dev.signet.gateway.admission;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;

/**
 * Slots shared by every gateway, in Redis: per tenant a sorted set of leases (request id → expiry on the Redis server's
 * clock). Acquiring drops expired leases first, so the slots of a gateway that crashed mid-request come back after
 * {@code lease} at the latest instead of leaking for ever; a request that ends releases its lease at once.
 */
public final class RedisConcurrencyLimiter implements ConcurrencyLimiter {
    private static final String ACQUIRE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
            redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
            """;

    private final StatefulRedisConnection<String, String> connection;
    private final String prefix;
    private final long leaseMillis;

    public RedisConcurrencyLimiter(StatefulRedisConnection<String, String> connection, String keyPrefix, Duration lease) {
        this.connection = connection;
        this.prefix = keyPrefix + ":gateway:concurrency:";
        this.leaseMillis = lease.toMillis();
    }

    @Override
    public boolean tryAcquire(String tenant, String requestId, int max) {
        Long taken = connection.sync().eval(ACQUIRE, ScriptOutputType.INTEGER, new String[] {prefix + tenant},
                Integer.toString(max), Long.toString(leaseMillis), requestId);
        return taken != null && taken == 1;
    }

    @Override
    public void release(String tenant, String requestId) {
        connection.sync().zrem(prefix + tenant, requestId);
    }
}
