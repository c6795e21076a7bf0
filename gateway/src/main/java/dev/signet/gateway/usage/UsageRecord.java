package dev.signet.gateway.usage;

/** One request's usage as the registry records it ({@code POST /internal/v1/usage}); {@code requestId} makes it idempotent. */
public record UsageRecord(String requestId, String tenant, String model, long promptTokens, long completionTokens) {}
