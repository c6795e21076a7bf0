package dev.signet.gateway.auth;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A tenant's limits from the registry; 0 (or absent) means unlimited (docs/platform.md). */
public record Quota(int requestsPerMinute, long tokensPerMinute, int maxConcurrent) {
    public static final Quota UNLIMITED = new Quota(0, 0, 0);

    @JsonCreator
    static Quota of(@JsonProperty("requests_per_minute") Integer requestsPerMinute, @JsonProperty("tokens_per_minute") Long tokensPerMinute,
                    @JsonProperty("max_concurrent") Integer maxConcurrent) {
        return new Quota(requestsPerMinute == null ? 0 : requestsPerMinute, tokensPerMinute == null ? 0 : tokensPerMinute,
                maxConcurrent == null ? 0 : maxConcurrent);
    }
}
