package dev.signet.registry.tenant;

/**
 * A tenant's admission limits, enforced by the gateway: requests and tokens (prompt plus completion) per minute, and
 * requests in flight at once. 0 means unlimited.
 */
public record Quota(long requestsPerMinute, long tokensPerMinute, long maxConcurrent) {
    public Quota {
        if (requestsPerMinute < 0 || tokensPerMinute < 0 || maxConcurrent < 0) {
            throw new IllegalArgumentException("quota limits are 0 (unlimited) or positive: " + requestsPerMinute + ", "
                    + tokensPerMinute + ", " + maxConcurrent);
        }
    }
}
