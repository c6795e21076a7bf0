package dev.signet.gateway.admission;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.local.LocalBucketBuilder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** Buckets in this JVM: one gateway (the all-in-one mode), or gateways each enforcing the quota on their own share. */
public final class LocalBucketStore implements BucketStore {
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    @Override
    public Bucket bucket(String key, Supplier<BucketConfiguration> configuration) {
        return buckets.computeIfAbsent(key, k -> {
            LocalBucketBuilder builder = Bucket.builder();
            for (Bandwidth limit : configuration.get().getBandwidths()) {
                builder.addLimit(limit);
            }
            return builder.build();
        });
    }
}
