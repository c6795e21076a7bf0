package dev.signet.gateway.auth;

import dev.signet.gateway.openai.OpenAiException;
import java.util.List;
import java.util.Objects;

/** An authenticated caller: the tenant, its quota, and the only models it may see and use. */
public record Tenant(String id, String displayName, Quota quota, List<TenantModel> models) {

    public Tenant {
        Objects.requireNonNull(id, "id");
        quota = quota == null ? Quota.UNLIMITED : quota;
        models = models == null ? List.of() : List.copyOf(models);
    }

    /** The tenant's model of this name; any other name, including another tenant's model, is the same 404. */
    public TenantModel model(String name) {
        return models.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> OpenAiException.modelNotFound(name, models.stream().map(TenantModel::name).toList()));
    }
}
