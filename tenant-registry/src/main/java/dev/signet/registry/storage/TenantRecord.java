package dev.signet.registry.storage;

import dev.signet.registry.key.ApiKey;
import dev.signet.registry.model.ModelBinding;
import dev.signet.registry.tenant.Tenant;
import java.util.Comparator;
import java.util.List;

/** Everything the registry holds about one tenant but its usage: models by name, keys (revoked ones too) by creation. */
public record TenantRecord(Tenant tenant, List<ModelBinding> models, List<ApiKey> keys) {
    public TenantRecord {
        models = models.stream().sorted(Comparator.comparing(ModelBinding::name)).toList();
        keys = keys.stream().sorted(Comparator.comparingLong(ApiKey::createdAt).thenComparing(ApiKey::id)).toList();
    }
}
