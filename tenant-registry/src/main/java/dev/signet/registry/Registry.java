package dev.signet.registry;

import dev.signet.registry.config.RegistryProperties;
import dev.signet.registry.key.ApiKey;
import dev.signet.registry.key.ApiKeyIssuer;
import dev.signet.registry.key.IssuedKey;
import dev.signet.registry.key.Sha256;
import dev.signet.registry.model.ModelBinding;
import dev.signet.registry.storage.Authentication;
import dev.signet.registry.storage.NoSuchEntryException;
import dev.signet.registry.storage.RegistryStore;
import dev.signet.registry.storage.TenantRecord;
import dev.signet.registry.tenant.Quota;
import dev.signet.registry.tenant.Tenant;
import dev.signet.registry.usage.TenantUsage;
import dev.signet.registry.usage.UsageReport;
import java.time.Clock;
import java.util.List;
import java.util.SortedSet;
import java.util.concurrent.Callable;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The registry's operations over whichever {@link RegistryStore} is configured, for the HTTP handlers: stamps times,
 * issues keys, fills in configured defaults, and runs every (blocking) store call on the bounded elastic scheduler so
 * no event-loop thread ever waits on a disk or on Redis. Arguments are already validated by the API layer.
 */
@Service
public class Registry {
    private final RegistryStore store;
    private final RegistryProperties properties;
    private final ApiKeyIssuer issuer = new ApiKeyIssuer();
    private final Clock clock;

    public Registry(RegistryStore store, RegistryProperties properties) {
        this.store = store;
        this.properties = properties;
        this.clock = Clock.systemUTC();
    }

    public Mono<Tenant> createTenant(String id, String displayName, Quota quota) {
        return blocking(() -> {
            Tenant tenant = new Tenant(id, displayName == null ? id : displayName, now(), quota);
            store.createTenant(tenant);
            return tenant;
        });
    }

    public Mono<List<TenantRecord>> tenants() {
        return blocking(store::tenants);
    }

    public Mono<TenantRecord> tenant(String id) {
        return blocking(() -> existing(id));
    }

    public Mono<Void> deleteTenant(String id) {
        return run(() -> store.deleteTenant(id));
    }

    public Mono<Tenant> setQuota(String tenant, Quota quota) {
        return blocking(() -> store.setQuota(tenant, quota));
    }

    public Mono<IssuedKey> issueKey(String tenant, String name) {
        return blocking(() -> {
            IssuedKey issued = issuer.issue(tenant, name, now());
            store.addKey(issued.key());
            return issued;
        });
    }

    public Mono<List<ApiKey>> keys(String tenant) {
        return blocking(() -> existing(tenant).keys());
    }

    public Mono<ApiKey> revokeKey(String tenant, String keyId) {
        return blocking(() -> store.revokeKey(tenant, keyId, now()));
    }

    /** Binds a model; a null {@code baseModel} means the configured default base. */
    public Mono<ModelBinding> putModel(String tenant, String name, String delta, String medusa, String baseModel) {
        String base = baseModel == null ? properties.defaultBaseModel() : baseModel;
        return blocking(() -> store.putModel(tenant, new ModelBinding(name, delta, medusa, base, now())));
    }

    public Mono<Void> deleteModel(String tenant, String name) {
        return run(() -> store.deleteModel(tenant, name));
    }

    /** The tenant of a presented key; empty for a key that is malformed, unknown or revoked alike. */
    public Mono<Authentication> authenticate(String presentedKey) {
        if (!ApiKeyIssuer.wellFormed(presentedKey)) {
            return Mono.empty();
        }
        return blocking(() -> store.authenticate(Sha256.hex(presentedKey)).orElse(null));
    }

    /** Records a report durably; true if it counted, false if its request id already had. */
    public Mono<Boolean> recordUsage(UsageReport report) {
        return blocking(() -> store.recordUsage(report, now()));
    }

    public Mono<TenantUsage> usage(String tenant) {
        return blocking(() -> store.usage(tenant));
    }

    public Mono<SortedSet<String>> references() {
        return blocking(store::references);
    }

    public Quota defaultQuota() {
        RegistryProperties.DefaultQuota q = properties.defaultQuota();
        return new Quota(q.requestsPerMinute(), q.tokensPerMinute(), q.maxConcurrent());
    }

    private TenantRecord existing(String id) {
        return store.tenant(id).orElseThrow(() -> NoSuchEntryException.tenant(id, store.tenantIds()));
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    private static <T> Mono<T> blocking(Callable<T> call) {
        return Mono.fromCallable(call).subscribeOn(Schedulers.boundedElastic());
    }

    private static Mono<Void> run(Runnable call) {
        return Mono.<Void>fromRunnable(call).subscribeOn(Schedulers.boundedElastic());
    }
}
