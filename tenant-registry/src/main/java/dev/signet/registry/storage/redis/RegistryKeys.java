package dev.signet.registry.storage.redis;

/**
 * The registry's Redis keys under a prefix (default {@code signet}), docs/tenant-registry.md, "Storage layout":
 * {@code <p>:registry:tenants} (hash id → tenant JSON), {@code <p>:registry:key-hashes} (hash key sha256 → "tenant keyId":
 * a key lookup is one HGET), per tenant {@code <p>:registry:tenant:<id>:models|keys|usage} (hashes), and
 * {@code <p>:registry:usage-request:<request id>} (a string that expires after the deduplication window).
 */
record RegistryKeys(String prefix) {
    String tenants() {
        return prefix + ":registry:tenants";
    }

    String keyHashes() {
        return prefix + ":registry:key-hashes";
    }

    /** What every per-tenant key starts with; the scripts append {@code <id>:models} and the like. */
    String tenantPrefix() {
        return prefix + ":registry:tenant:";
    }

    String models(String tenant) {
        return tenantPrefix() + tenant + ":models";
    }

    String keys(String tenant) {
        return tenantPrefix() + tenant + ":keys";
    }

    String usage(String tenant) {
        return tenantPrefix() + tenant + ":usage";
    }

    String usageRequest(String requestId) {
        return prefix + ":registry:usage-request:" + requestId;
    }
}
