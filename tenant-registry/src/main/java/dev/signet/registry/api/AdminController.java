package dev.signet.registry.api;

import dev.signet.registry.Registry;
import dev.signet.registry.api.AdminRequests.BindModel;
import dev.signet.registry.api.AdminRequests.CreateKey;
import dev.signet.registry.api.AdminRequests.CreateTenant;
import dev.signet.registry.api.AdminRequests.QuotaLimits;
import dev.signet.registry.api.Views.IssuedKeyView;
import dev.signet.registry.api.Views.KeyView;
import dev.signet.registry.api.Views.ListOf;
import dev.signet.registry.api.Views.References;
import dev.signet.registry.api.Views.TenantView;
import dev.signet.registry.model.ModelBinding;
import dev.signet.registry.tenant.Quota;
import dev.signet.registry.tenant.Tenant;
import dev.signet.registry.usage.TenantUsage;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** The operator's API (docs/platform.md, "tenant-registry API"): tenants, quotas, keys, model bindings, usage, references. */
@RestController
@RequestMapping("/admin/v1")
public class AdminController {
    private final Registry registry;

    public AdminController(Registry registry) {
        this.registry = registry;
    }

    @PostMapping("/tenants")
    Mono<ResponseEntity<TenantView>> createTenant(@RequestBody(required = false) CreateTenant body) {
        CreateTenant request = Params.required("body", body);
        String id = Params.tenantId("id", request.id());
        String displayName = Params.optionalText("display_name", request.displayName());
        Quota quota = quota("quota.", request.quota());
        return registry.createTenant(id, displayName, quota)
                .then(registry.tenant(id))
                .map(record -> ResponseEntity.status(HttpStatus.CREATED).body(TenantView.of(record)));
    }

    @GetMapping("/tenants")
    Mono<ListOf<TenantView>> tenants() {
        return registry.tenants().map(all -> new ListOf<>(all.stream().map(TenantView::of).toList()));
    }

    @GetMapping("/tenants/{id}")
    Mono<TenantView> tenant(@PathVariable String id) {
        return registry.tenant(Params.tenantId("id", id)).map(TenantView::of);
    }

    @DeleteMapping("/tenants/{id}")
    Mono<ResponseEntity<Void>> deleteTenant(@PathVariable String id) {
        return registry.deleteTenant(Params.tenantId("id", id)).thenReturn(ResponseEntity.noContent().build());
    }

    @PutMapping("/tenants/{id}/quota")
    Mono<Quota> setQuota(@PathVariable String id, @RequestBody(required = false) QuotaLimits body) {
        String tenant = Params.tenantId("id", id);
        Quota quota = quota("", Params.required("body", body));
        return registry.setQuota(tenant, quota).map(Tenant::quota);
    }

    @PostMapping("/tenants/{id}/keys")
    Mono<ResponseEntity<IssuedKeyView>> issueKey(@PathVariable String id, @RequestBody(required = false) CreateKey body) {
        String tenant = Params.tenantId("id", id);
        String name = body == null ? null : Params.optionalText("name", body.name());
        return registry.issueKey(tenant, name).map(issued -> ResponseEntity.status(HttpStatus.CREATED).body(IssuedKeyView.of(issued)));
    }

    @GetMapping("/tenants/{id}/keys")
    Mono<ListOf<KeyView>> keys(@PathVariable String id) {
        return registry.keys(Params.tenantId("id", id)).map(keys -> new ListOf<>(KeyView.all(keys)));
    }

    @DeleteMapping("/tenants/{id}/keys/{keyId}")
    Mono<ResponseEntity<Void>> revokeKey(@PathVariable String id, @PathVariable String keyId) {
        return registry.revokeKey(Params.tenantId("id", id), keyId).thenReturn(ResponseEntity.noContent().build());
    }

    @PutMapping("/tenants/{id}/models/{name}")
    Mono<ModelBinding> bindModel(@PathVariable String id, @PathVariable String name, @RequestBody(required = false) BindModel body) {
        String tenant = Params.tenantId("id", id);
        String model = Params.modelName("name", name);
        BindModel request = body == null ? new BindModel(null, null, null) : body;
        return registry.putModel(tenant, model,
                Params.optionalDigest("delta", request.delta()),
                Params.optionalModelName("medusa", request.medusa()),
                Params.optionalModelName("base_model", request.baseModel()));
    }

    @DeleteMapping("/tenants/{id}/models/{name}")
    Mono<ResponseEntity<Void>> unbindModel(@PathVariable String id, @PathVariable String name) {
        return registry.deleteModel(Params.tenantId("id", id), Params.modelName("name", name))
                .thenReturn(ResponseEntity.noContent().build());
    }

    @GetMapping("/tenants/{id}/usage")
    Mono<TenantUsage> usage(@PathVariable String id) {
        return registry.usage(Params.tenantId("id", id));
    }

    @GetMapping("/references")
    Mono<References> references() {
        return registry.references().map(References::new);
    }

    /** A request's quota; limits left out (or no quota at all) take the configured defaults. */
    private Quota quota(String paramPrefix, QuotaLimits limits) {
        Quota defaults = registry.defaultQuota();
        if (limits == null) {
            return defaults;
        }
        return new Quota(
                Params.nonNegative(paramPrefix + "requests_per_minute", limits.requestsPerMinute(), defaults.requestsPerMinute()),
                Params.nonNegative(paramPrefix + "tokens_per_minute", limits.tokensPerMinute(), defaults.tokensPerMinute()),
                Params.nonNegative(paramPrefix + "max_concurrent", limits.maxConcurrent(), defaults.maxConcurrent()));
    }
}
