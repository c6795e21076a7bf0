package dev.signet.gateway.auth;

/** A tenant's limits from the registry; 0 means unlimited (docs/platform.md). */
public record Quota(int requestsPerMinute, long tokensPerMinute, int maxConcurrent) {
    public static final Quota UNLIMITED = new Quota(0, 0, 0);
}
