package dev.signet.gateway.admission;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import java.util.function.Supplier;

/** Where token buckets live: in this process, or in Redis where all gateways share them. */
public interface BucketStore {
    /** The bucket under {@code key}, created with {@code configuration} if it does not exist yet. */
    Bucket bucket(String key, Supplier<BucketConfiguration> configuration);
}
