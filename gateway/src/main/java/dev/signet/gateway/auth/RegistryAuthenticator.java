package dev.signet.gateway.auth;

import dev.signet.gateway.openai.OpenAiException;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * Asks the tenant registry who a key belongs to: {@code POST /internal/v1/authenticate} with the admin credential
 * (docs/platform.md). The registry's 401 is the caller's 401; any other failure (registry down, 5xx, a malformed
 * answer) is a 503, so that a registry outage is never mistaken for a bad key.
 */
public final class RegistryAuthenticator implements TenantAuthenticator {
    private final WebClient registry;

    /** {@code registry} already points at the registry's base URL and carries the admin credential. */
    public RegistryAuthenticator(WebClient registry) {
        this.registry = registry;
    }

    /** The registry's answer: the tenant, the key's id and the tenant's models. */
    record Answer(TenantInfo tenant, String keyId, List<TenantModel> models) {}

    record TenantInfo(String id, String displayName, Quota quota) {}

    @Override
    public Mono<Tenant> authenticate(String apiKey) {
        return registry.post().uri("/internal/v1/authenticate").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("api_key", apiKey))
                .exchangeToMono(response -> {
                    if (response.statusCode().value() == HttpStatus.UNAUTHORIZED.value()) {
                        return response.releaseBody().then(Mono.error(OpenAiException.invalidApiKey(
                                "Incorrect API key provided. The key is unknown or has been revoked.")));
                    }
                    if (!response.statusCode().is2xxSuccessful()) {
                        return response.createError();
                    }
                    return response.bodyToMono(Answer.class);
                })
                .map(RegistryAuthenticator::tenant)
                .onErrorMap(e -> !(e instanceof OpenAiException),
                        e -> OpenAiException.unavailable("The tenant registry could not authenticate the key: " + e.getMessage(), e));
    }

    private static Tenant tenant(Answer answer) {
        if (answer.tenant() == null || answer.tenant().id() == null) {
            throw new IllegalStateException("the registry's answer names no tenant");
        }
        return new Tenant(answer.tenant().id(), answer.tenant().displayName(), answer.tenant().quota(), answer.models());
    }
}
