package dev.signet.registry.api;

import dev.signet.registry.Registry;
import dev.signet.registry.api.InternalRequests.Authenticate;
import dev.signet.registry.api.InternalRequests.Usage;
import dev.signet.registry.api.Views.AuthenticationView;
import dev.signet.registry.usage.UsageReport;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** The gateway's API (docs/platform.md, "Internal"): a tenant key to its tenant and models, and usage reports. */
@RestController
@RequestMapping("/internal/v1")
public class InternalController {
    private final Registry registry;

    public InternalController(Registry registry) {
        this.registry = registry;
    }

    /** 401 alike for a malformed, unknown or revoked key: the answer tells a guesser nothing. */
    @PostMapping("/authenticate")
    Mono<AuthenticationView> authenticate(@RequestBody(required = false) Authenticate body) {
        String key = Params.required("api_key", Params.required("body", body).apiKey());
        return registry.authenticate(key)
                .map(AuthenticationView::of)
                .switchIfEmpty(Mono.error(() -> ApiException.unauthenticated("invalid_api_key", "invalid API key")));
    }

    /** 204 once the report is durably recorded, or was already: a retried report counts once. */
    @PostMapping("/usage")
    Mono<ResponseEntity<Void>> usage(@RequestBody(required = false) Usage body) {
        Usage request = Params.required("body", body);
        UsageReport report = new UsageReport(
                Params.requestId("request_id", request.requestId()),
                Params.tenantId("tenant", request.tenant()),
                Params.modelName("model", request.model()),
                Params.requiredNonNegative("prompt_tokens", request.promptTokens()),
                Params.requiredNonNegative("completion_tokens", request.completionTokens()));
        return registry.recordUsage(report).thenReturn(ResponseEntity.noContent().build());
    }
}
