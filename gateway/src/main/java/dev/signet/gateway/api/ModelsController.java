package dev.signet.gateway.api;

import dev.signet.gateway.auth.ApiKeys;
import dev.signet.gateway.auth.Tenant;
import dev.signet.gateway.auth.TenantAuthenticator;
import dev.signet.gateway.auth.TenantModel;
import dev.signet.gateway.openai.ModelObject;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** OpenAI's {@code GET /v1/models} and {@code GET /v1/models/{model}}: the caller's own models, and only those. */
@RestController
public class ModelsController {
    private final TenantAuthenticator authenticator;

    public ModelsController(TenantAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    @GetMapping("/v1/models")
    public Mono<ModelObject.Page> models(@RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
        return tenant(authorization).map(t -> new ModelObject.Page(t.models().stream().map(m -> object(t, m)).toList()));
    }

    @GetMapping("/v1/models/{model}")
    public Mono<ModelObject> model(@RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                                   @PathVariable String model) {
        return tenant(authorization).map(t -> object(t, t.model(model)));
    }

    private Mono<Tenant> tenant(String authorization) {
        return Mono.defer(() -> authenticator.authenticate(ApiKeys.fromAuthorization(authorization)));
    }

    private static ModelObject object(Tenant tenant, TenantModel model) {
        return new ModelObject(model.name(), model.createdAt() == null ? 0 : model.createdAt().getEpochSecond(), tenant.id());
    }
}
