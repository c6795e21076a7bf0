package dev.signet.store.publish;

import dev.signet.store.api.ApiException;
import dev.signet.store.api.Blocking;
import dev.signet.store.artifact.ArtifactStore;
import dev.signet.store.artifact.BaseModel;
import dev.signet.store.gate.GateVerdict;
import dev.signet.store.gate.QualityGate;
import java.util.regex.Pattern;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Publishing: an artifact whose report passes the quality gate (else 409 {@code gate_failed} with every reason)
 * becomes a tenant's model in the registry; answers the registry's binding.
 */
@RestController
public class PublishController {
    private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private final ArtifactStore artifacts;
    private final QualityGate gate;
    private final RegistryClient registry;
    private final BaseModel base;

    public PublishController(ArtifactStore artifacts, QualityGate gate, RegistryClient registry, BaseModel base) {
        this.artifacts = artifacts;
        this.gate = gate;
        this.registry = registry;
        this.base = base;
    }

    @PostMapping("/admin/v1/artifacts/{digest}/publish")
    Mono<JsonNode> publish(@PathVariable String digest, @RequestBody PublishRequest request) {
        if (request.tenant() == null || !TENANT.matcher(request.tenant()).matches()) {
            return Mono.error(ApiException.invalid("tenant", "tenant must be a tenant id ([a-z0-9][a-z0-9-]{0,62}), got "
                    + quoted(request.tenant())));
        }
        if (request.model() == null || !MODEL.matcher(request.model()).matches()) {
            return Mono.error(ApiException.invalid("model", "model must be a model name ([A-Za-z0-9][A-Za-z0-9._:-]{0,127}),"
                    + " got " + quoted(request.model())));
        }
        if (request.medusa() != null && !MODEL.matcher(request.medusa()).matches()) {
            return Mono.error(ApiException.invalid("medusa", "medusa must be a heads name or null, got " + quoted(request.medusa())));
        }
        return Blocking.call(() -> artifacts.find(digest).orElseThrow(() -> ApiException.notFound("digest",
                        "no artifact with digest " + digest)))
                .flatMap(artifact -> {
                    GateVerdict verdict = gate.evaluate(artifact.report());
                    if (!verdict.passed()) {
                        return Mono.error(ApiException.conflict("gate_failed", "artifact " + digest
                                + " did not pass the quality gate: " + String.join("; ", verdict.reasons())));
                    }
                    return registry.bind(request.tenant(), request.model(), artifact.digest(), request.medusa(), base.name());
                });
    }

    private static String quoted(String s) {
        return s == null ? "none" : "\"" + s + "\"";
    }
}
