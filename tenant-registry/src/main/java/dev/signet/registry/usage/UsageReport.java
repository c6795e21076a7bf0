package dev.signet.registry.usage;

/** One served request's token counts, as the gateway reports it; {@code requestId} makes a retried report count once. */
public record UsageReport(String requestId, String tenant, String model, long promptTokens, long completionTokens) {}
