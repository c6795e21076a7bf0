package dev.signet.registry.api;

/** The internal API's request bodies, from the gateway. */
final class InternalRequests {
    private InternalRequests() {}

    /** {@code POST /internal/v1/authenticate}. */
    record Authenticate(String apiKey) {}

    /** {@code POST /internal/v1/usage}. */
    record Usage(String requestId, String tenant, String model, Long promptTokens, Long completionTokens) {}
}
