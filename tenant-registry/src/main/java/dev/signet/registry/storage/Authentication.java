package dev.signet.registry.storage;

import dev.signet.registry.model.ModelBinding;
import dev.signet.registry.tenant.Tenant;
import java.util.List;

/** What a live key opens: its tenant, the key's id, and the tenant's models. */
public record Authentication(Tenant tenant, String keyId, List<ModelBinding> models) {}
