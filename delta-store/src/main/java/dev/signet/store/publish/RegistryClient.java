package dev.signet.store.publish;

import dev.signet.store.api.ApiException;
import dev.signet.store.config.AdminCredential;
import dev.signet.store.config.StoreProperties;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * The two tenant-registry calls the store makes, with the admin credential (docs/platform.md): binding a model to a
 * delta ({@code PUT /admin/v1/tenants/{id}/models/{name}}) and the digests some model references
 * ({@code GET /admin/v1/references}). A registry that answers 4xx passes its status and message on; one that cannot
 * be reached, times out or answers 5xx is 503 {@code registry_unavailable}.
 */
@Component
public class RegistryClient {
    private final WebClient client;
    private final Duration timeout;
    private final String describe;

    public RegistryClient(StoreProperties properties, AdminCredential credential) {
        this.client = WebClient.builder()
                .baseUrl(properties.registryUrl().toString())
                .defaultHeaders(h -> h.setBearerAuth(credential.adminToken()))
                .build();
        this.timeout = properties.registryTimeout();
        this.describe = "tenant registry " + properties.registryUrl();
    }

    /** Binds {@code tenant}'s model {@code model} to the delta; answers the registry's binding. */
    public Mono<JsonNode> bind(String tenant, String model, String digest, String medusa, String baseModel) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("delta", digest);
        body.put("medusa", medusa);
        body.put("base_model", baseModel);
        return call(client.put().uri("/admin/v1/tenants/{id}/models/{name}", tenant, model)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body), "PUT /admin/v1/tenants/" + tenant + "/models/" + model);
    }

    /** Every digest some tenant's model binds. */
    public Mono<Set<String>> references() {
        return call(client.get().uri("/admin/v1/references"), "GET /admin/v1/references").map(node -> {
            JsonNode digests = node.path("digests");
            if (!digests.isArray()) {
                throw ApiException.unavailable("registry_unavailable", describe + " answered GET /admin/v1/references"
                        + " without a \"digests\" array", null);
            }
            Set<String> set = new TreeSet<>();
            digests.forEach(d -> set.add(d.asString()));
            return set;
        });
    }

    private Mono<JsonNode> call(WebClient.RequestHeadersSpec<?> request, String what) {
        return request.accept(MediaType.APPLICATION_JSON)
                .exchangeToMono(response -> answer(response, what))
                .timeout(timeout)
                .onErrorMap(e -> !(e instanceof ApiException), e -> ApiException.unavailable("registry_unavailable",
                        describe + " cannot be reached for " + what + ": " + e, e));
    }

    private Mono<JsonNode> answer(ClientResponse response, String what) {
        HttpStatusCode status = response.statusCode();
        if (status.is2xxSuccessful()) {
            return response.bodyToMono(JsonNode.class);
        }
        return response.bodyToMono(JsonNode.class).map(body -> body.path("error").path("message").asString(""))
                .onErrorReturn("").defaultIfEmpty("").flatMap(message -> {
                    String detail = describe + " answered " + what + " with " + status.value()
                            + (message.isEmpty() ? "" : ": " + message);
                    HttpStatus known = HttpStatus.resolve(status.value());
                    return Mono.error(status.is4xxClientError() && known != null
                            ? ApiException.withStatus(known, "registry_refused", detail)
                            : ApiException.unavailable("registry_unavailable", detail, null));
                });
    }
}
