package dev.signet.registry.storage;

import dev.signet.registry.key.ApiKey;
import dev.signet.registry.model.ModelBinding;
import dev.signet.registry.tenant.Quota;
import dev.signet.registry.tenant.Tenant;
import dev.signet.registry.usage.TenantUsage;
import dev.signet.registry.usage.UsageReport;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * Where the registry keeps tenants, keys, models and usage: a directory ({@code file}) or Redis ({@code redis}). Every
 * method blocks (disk or network) and is safe to call from many threads; each change is atomic, and durable once it
 * returns. Unknown tenants, keys and models throw {@link NoSuchEntryException}, a taken tenant id
 * {@link DuplicateEntryException}, a storage failure {@link StorageUnavailableException}.
 */
public interface RegistryStore extends AutoCloseable {

    void createTenant(Tenant tenant);

    /** Every tenant with its models and keys, by id. */
    List<TenantRecord> tenants();

    /** Every tenant's id, sorted. */
    List<String> tenantIds();

    Optional<TenantRecord> tenant(String id);

    /** Removes the tenant with its models, keys and usage: its keys stop working at once. */
    void deleteTenant(String id);

    Tenant setQuota(String tenant, Quota quota);

    /** Stores a newly issued key (its hash) and makes it valid. */
    void addKey(ApiKey key);

    /** Revokes a key for good; revoking it again changes nothing. Returns the key as stored. */
    ApiKey revokeKey(String tenant, String keyId, long now);

    /** Binds a model name (create or replace; a replaced binding keeps its first {@code created_at}). */
    ModelBinding putModel(String tenant, ModelBinding binding);

    void deleteModel(String tenant, String name);

    /** The tenant of the live key with this sha256, if any: an unknown and a revoked key are alike. */
    Optional<Authentication> authenticate(String keySha256);

    /**
     * Counts a report unless one with the same request id was counted within the store's deduplication window; true if
     * it counted. Durable when it returns.
     */
    boolean recordUsage(UsageReport report, long now);

    TenantUsage usage(String tenant);

    /** Every delta digest some tenant's model binds. */
    SortedSet<String> references();

    @Override
    void close();
}
