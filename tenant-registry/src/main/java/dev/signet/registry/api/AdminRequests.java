package dev.signet.registry.api;

/** The admin API's request bodies (snake_case JSON); every field is checked by {@link Params}, so all may be null here. */
final class AdminRequests {
    private AdminRequests() {}

    /** {@code POST /admin/v1/tenants}. */
    record CreateTenant(String id, String displayName, QuotaLimits quota) {}

    /** A quota in a request: a limit left out takes the configured default. */
    record QuotaLimits(Long requestsPerMinute, Long tokensPerMinute, Long maxConcurrent) {}

    /** {@code POST /admin/v1/tenants/{id}/keys}. */
    record CreateKey(String name) {}

    /** {@code PUT /admin/v1/tenants/{id}/models/{name}}. */
    record BindModel(String delta, String medusa, String baseModel) {}
}
