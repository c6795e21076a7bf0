package dev.signet.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.registry.RunningRegistry.Answer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

/**
 * The registry's admin and internal API (docs/platform.md) as the operator, the delta store and the gateway use it,
 * over real HTTP, against one store; each subclass runs it against another ({@code file}, {@code redis}) and says how
 * to read the store's raw bytes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RegistryApiContract {
    static final String CAPS = "a".repeat(64);
    static final String PYCODE = "0123456789abcdef".repeat(4);
    private static final AtomicInteger TENANTS = new AtomicInteger();

    RunningRegistry registry;

    /** The arguments that select and place this store (the same on every start, so a restart finds the data). */
    abstract List<String> storeArguments();

    /** Every byte the store holds, as text, to prove what it does and does not keep. */
    abstract String storedContent();

    @BeforeAll
    void startRegistry() {
        registry = RunningRegistry.start(storeArguments());
    }

    @AfterAll
    void stopRegistry() {
        if (registry != null) {
            registry.close();
            registry = null;
        }
    }

    @Test
    void tenantsAreCreatedListedGivenQuotasAndDeleted() {
        String id = newTenantId();
        JsonNode created = registry.postJson("/admin/v1/tenants", Map.of("id", id, "display_name", "Acme Corp"), 201);
        assertThat(created.path("id").asString()).isEqualTo(id);
        assertThat(created.path("display_name").asString()).isEqualTo("Acme Corp");
        assertThat(created.path("created_at").asLong()).isPositive();
        assertThat(created.path("quota").path("requests_per_minute").asLong()).as("the configured default").isEqualTo(60);
        assertThat(created.path("quota").path("tokens_per_minute").asLong()).isEqualTo(100000);
        assertThat(created.path("quota").path("max_concurrent").asLong()).isEqualTo(8);

        JsonNode duplicate = registry.postJson("/admin/v1/tenants", Map.of("id", id), 409);
        assertThat(duplicate.path("error").path("message").asString()).contains(id).contains("already exists");
        assertThat(duplicate.path("error").path("type").asString()).isEqualTo("conflict_error");

        JsonNode quota = registry.putJson("/admin/v1/tenants/{id}/quota",
                Map.of("requests_per_minute", 0, "tokens_per_minute", 5000, "max_concurrent", 2), 200, id);
        assertThat(quota.path("requests_per_minute").asLong()).as("0 means unlimited").isZero();
        assertThat(registry.getJson("/admin/v1/tenants/{id}", id).path("quota").path("tokens_per_minute").asLong()).isEqualTo(5000);
        assertThat(registry.getJson("/admin/v1/tenants").path("data").valueStream().map(t -> t.path("id").asString()))
                .contains(id);

        registry.delete("/admin/v1/tenants/{id}", 204, id);
        registry.admin.get().uri("/admin/v1/tenants/{id}", id).exchange().expectStatus().isNotFound();
        assertThat(registry.getJson("/admin/v1/tenants").path("data").valueStream().map(t -> t.path("id").asString()))
                .doesNotContain(id);
    }

    @Test
    void aTenantCreatedWithAPartialQuotaTakesTheDefaultsForTheRest() {
        String id = newTenantId();
        JsonNode created = registry.postJson("/admin/v1/tenants", Map.of("id", id, "quota", Map.of("max_concurrent", 1)), 201);
        assertThat(created.path("quota").path("max_concurrent").asLong()).isEqualTo(1);
        assertThat(created.path("quota").path("requests_per_minute").asLong()).isEqualTo(60);
        assertThat(created.path("display_name").asString()).as("defaults to the id").isEqualTo(id);
    }

    @Test
    void anIssuedKeyIsShownOnceAndOnlyItsHashIsStored() {
        String id = createTenant();
        JsonNode issued = registry.postJson("/admin/v1/tenants/{id}/keys", Map.of("name", "ci"), 201, id);
        String key = issued.path("key").asString();
        assertThat(key).matches("sk-[0-9A-Za-z]{48}");
        assertThat(issued.path("id").asString()).startsWith("key_");
        assertThat(issued.path("prefix").asString()).isEqualTo(key.substring(3, 11));

        JsonNode listed = registry.getJson("/admin/v1/tenants/{id}/keys", id).path("data");
        assertThat(listed.size()).isEqualTo(1);
        assertThat(listed.get(0).path("name").asString()).isEqualTo("ci");
        assertThat(listed.get(0).path("prefix").asString()).isEqualTo(issued.path("prefix").asString());
        assertThat(listed.get(0).has("key")).isFalse();
        assertThat(listed.get(0).has("sha256")).as("not even the hash leaves the registry").isFalse();
        assertThat(registry.getJson("/admin/v1/tenants/{id}", id).toString()).doesNotContain(key.substring(3));

        String stored = storedContent();
        assertThat(stored).as("the stored bytes hold the key's sha256").contains(dev.signet.registry.key.Sha256.hex(key));
        assertThat(stored).as("and never the key, nor its secret part").doesNotContain(key.substring(3)).doesNotContain(key.substring(11));
        assertThat(registry.authenticate(key).status()).isEqualTo(200);
    }

    @Test
    void authenticationAnswersTheTenantItsQuotaAndItsModels() {
        String id = createTenant();
        registry.putJson("/admin/v1/tenants/{id}/models/{name}", Map.of("delta", CAPS, "base_model", "stories260K"), 200, id, "support");
        registry.putJson("/admin/v1/tenants/{id}/models/{name}", Map.of(), 200, id, "base");
        String key = issueKey(id);

        Answer answer = registry.authenticate(key);
        assertThat(answer.status()).isEqualTo(200);
        JsonNode json = answer.json();
        assertThat(json.path("tenant").path("id").asString()).isEqualTo(id);
        assertThat(json.path("tenant").path("quota").path("max_concurrent").asLong()).isEqualTo(8);
        assertThat(json.path("key_id").asString()).startsWith("key_");
        JsonNode models = json.path("models");
        assertThat(models.valueStream().map(m -> m.path("name").asString())).containsExactly("base", "support");
        assertThat(models.get(0).path("delta").isNull()).as("the base").isTrue();
        assertThat(models.get(0).path("base_model").asString()).as("the configured default base").isEqualTo("stories260K");
        assertThat(models.get(1).path("delta").asString()).isEqualTo(CAPS);
        assertThat(models.get(1).path("created_at").asLong()).isPositive();
    }

    @Test
    void aRevokedKeyNeverWorksAgainAndLooksLikeAnUnknownOne() {
        String id = createTenant();
        JsonNode issued = registry.postJson("/admin/v1/tenants/{id}/keys", Map.of("name", "old"), 201, id);
        String key = issued.path("key").asString();
        String keyId = issued.path("id").asString();
        assertThat(registry.authenticate(key).status()).isEqualTo(200);

        registry.delete("/admin/v1/tenants/{id}/keys/{keyId}", 204, id, keyId);
        Answer revoked = registry.authenticate(key);
        Answer unknown = registry.authenticate("sk-" + "Z".repeat(48));
        Answer malformed = registry.authenticate("not-a-key");
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(revoked.body()).as("the same answer for a revoked, an unknown and a malformed key")
                .isEqualTo(unknown.body()).isEqualTo(malformed.body());
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(revoked.json().path("error").path("code").asString()).isEqualTo("invalid_api_key");

        JsonNode audit = registry.getJson("/admin/v1/tenants/{id}/keys", id).path("data").get(0);
        assertThat(audit.path("id").asString()).as("kept for audit").isEqualTo(keyId);
        long revokedAt = audit.path("revoked_at").asLong();
        assertThat(revokedAt).isPositive();
        registry.delete("/admin/v1/tenants/{id}/keys/{keyId}", 204, id, keyId);
        assertThat(registry.getJson("/admin/v1/tenants/{id}/keys", id).path("data").get(0).path("revoked_at").asLong())
                .as("revoking again keeps the first time").isEqualTo(revokedAt);
        assertThat(registry.authenticate(key).status()).isEqualTo(401);
    }

    @Test
    void rotationKeepsTwoLiveKeysUntilTheOldOneIsRevoked() {
        String id = createTenant();
        String old = issueKey(id);
        String fresh = issueKey(id);
        assertThat(fresh).isNotEqualTo(old);
        assertThat(registry.authenticate(old).json().path("tenant").path("id").asString()).isEqualTo(id);
        assertThat(registry.authenticate(fresh).json().path("tenant").path("id").asString()).isEqualTo(id);
        assertThat(registry.authenticate(old).json().path("key_id").asString())
                .isNotEqualTo(registry.authenticate(fresh).json().path("key_id").asString());

        String oldId = registry.authenticate(old).json().path("key_id").asString();
        registry.delete("/admin/v1/tenants/{id}/keys/{keyId}", 204, id, oldId);
        assertThat(registry.authenticate(old).status()).isEqualTo(401);
        assertThat(registry.authenticate(fresh).status()).isEqualTo(200);
        JsonNode keys = registry.getJson("/admin/v1/tenants/{id}/keys", id).path("data");
        assertThat(keys.size()).isEqualTo(2);
        assertThat(keys.valueStream().filter(k -> k.path("revoked_at").isNull()).count()).isEqualTo(1);
    }

    @Test
    void deletingATenantStopsItsKeysAndUnbindsItsModels() {
        String id = createTenant();
        registry.putJson("/admin/v1/tenants/{id}/models/{name}", Map.of("delta", PYCODE), 200, id, "coder");
        String key = issueKey(id);
        assertThat(registry.getJson("/admin/v1/references").path("digests").valueStream().map(JsonNode::asString)).contains(PYCODE);

        registry.delete("/admin/v1/tenants/{id}", 204, id);
        assertThat(registry.authenticate(key).status()).isEqualTo(401);
        assertThat(registry.getJson("/admin/v1/references").path("digests").valueStream().map(JsonNode::asString))
                .doesNotContain(PYCODE);
        registry.delete("/admin/v1/tenants/{id}", 404, id);

        registry.postJson("/admin/v1/tenants", Map.of("id", id), 201);
        assertThat(registry.getJson("/admin/v1/tenants/{id}", id).path("models").size()).as("a new tenant of the same id starts empty").isZero();
        assertThat(registry.getJson("/admin/v1/tenants/{id}/usage", id).path("requests").asLong()).isZero();
        assertThat(registry.authenticate(key).status()).isEqualTo(401);
    }

    @Test
    void modelsAreBoundReplacedAndUnboundAndReferencesListTheirDigests() {
        String id = createTenant();
        JsonNode first = registry.putJson("/admin/v1/tenants/{id}/models/{name}",
                Map.of("delta", CAPS, "medusa", "caps-heads", "base_model", "stories260K"), 200, id, "acme-support");
        assertThat(first.path("name").asString()).isEqualTo("acme-support");
        assertThat(first.path("medusa").asString()).isEqualTo("caps-heads");

        Map<String, Object> rebind = new HashMap<>();
        rebind.put("delta", PYCODE);
        rebind.put("medusa", null);
        JsonNode replaced = registry.putJson("/admin/v1/tenants/{id}/models/{name}", rebind, 200, id, "acme-support");
        assertThat(replaced.path("delta").asString()).isEqualTo(PYCODE);
        assertThat(replaced.path("medusa").isNull()).isTrue();
        assertThat(replaced.path("created_at").asLong()).as("a re-bind keeps the first binding time").isEqualTo(first.path("created_at").asLong());

        List<String> digests = registry.getJson("/admin/v1/references").path("digests").valueStream().map(JsonNode::asString).toList();
        assertThat(digests).contains(PYCODE).isSorted().doesNotHaveDuplicates();
        JsonNode tenant = registry.getJson("/admin/v1/tenants/{id}", id);
        assertThat(tenant.path("models").size()).isEqualTo(1);

        registry.delete("/admin/v1/tenants/{id}/models/{name}", 204, id, "acme-support");
        JsonNode missing = registry.admin.delete().uri("/admin/v1/tenants/{id}/models/{name}", id, "acme-support").exchange()
                .expectStatus().isNotFound().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(missing.path("error").path("message").asString()).contains("acme-support").contains("its models: none");
    }

    @Test
    void usageIsCountedOncePerRequestIdPerTenantAndPerModel() {
        String id = createTenant();
        reportUsage("req-" + id + "-1", id, "support", 10, 5, 204);
        reportUsage("req-" + id + "-1", id, "support", 10, 5, 204); // a retry: counts once
        reportUsage("req-" + id + "-2", id, "support", 7, 3, 204);
        reportUsage("req-" + id + "-3", id, "base", 1, 2, 204);

        JsonNode usage = registry.getJson("/admin/v1/tenants/{id}/usage", id);
        assertThat(usage.path("tenant").asString()).isEqualTo(id);
        assertThat(usage.path("requests").asLong()).isEqualTo(3);
        assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(18);
        assertThat(usage.path("completion_tokens").asLong()).isEqualTo(10);
        JsonNode support = usage.path("by_model").path("support");
        assertThat(support.path("requests").asLong()).isEqualTo(2);
        assertThat(support.path("prompt_tokens").asLong()).isEqualTo(17);
        assertThat(support.path("completion_tokens").asLong()).isEqualTo(8);
        assertThat(usage.path("by_model").path("base").path("requests").asLong()).isEqualTo(1);

        JsonNode unknown = reportUsage("req-" + id + "-4", "no-such-tenant", "base", 1, 1, 404);
        assertThat(unknown.path("error").path("message").asString()).contains("unknown tenant 'no-such-tenant'");
    }

    @Test
    void badInputIsA400NamingTheParameter() {
        String id = createTenant();
        expectInvalid(registry.admin.post().uri("/admin/v1/tenants").bodyValue(Map.of("id", "Not_A_Slug")), "id");
        expectInvalid(registry.admin.post().uri("/admin/v1/tenants").bodyValue(Map.of("display_name", "no id")), "id");
        expectInvalid(registry.admin.post().uri("/admin/v1/tenants").bodyValue(Map.of("id", newTenantId(), "display_name", " ")),
                "display_name");
        expectInvalid(registry.admin.post().uri("/admin/v1/tenants")
                .bodyValue(Map.of("id", newTenantId(), "quota", Map.of("requests_per_minute", -1))), "quota.requests_per_minute");
        expectInvalid(registry.admin.put().uri("/admin/v1/tenants/{id}/quota", id).bodyValue(Map.of("max_concurrent", -3)),
                "max_concurrent");
        expectInvalid(registry.admin.put().uri("/admin/v1/tenants/{id}/models/{name}", id, "m").bodyValue(Map.of("delta", "ABC")),
                "delta");
        expectInvalid(registry.admin.put().uri("/admin/v1/tenants/{id}/models/{name}", id, "m")
                .bodyValue(Map.of("delta", CAPS.toUpperCase())), "delta");
        expectInvalid(registry.admin.put().uri("/admin/v1/tenants/{id}/models/{name}", id, "-bad").bodyValue(Map.of()), "name");
        expectInvalid(registry.admin.put().uri("/admin/v1/tenants/{id}/models/{name}", id, "m")
                .bodyValue(Map.of("base_model", "bad base")), "base_model");
        expectInvalid(registry.admin.post().uri("/internal/v1/authenticate").bodyValue(Map.of()), "api_key");
        Map<String, Object> usage = new LinkedHashMap<>(Map.of("request_id", "r1", "tenant", id, "model", "m",
                "prompt_tokens", 1, "completion_tokens", 1));
        usage.put("prompt_tokens", -1);
        expectInvalid(registry.admin.post().uri("/internal/v1/usage").bodyValue(usage), "prompt_tokens");
        usage.put("prompt_tokens", 1);
        usage.remove("request_id");
        expectInvalid(registry.admin.post().uri("/internal/v1/usage").bodyValue(usage), "request_id");
        usage.put("request_id", "has a space");
        expectInvalid(registry.admin.post().uri("/internal/v1/usage").bodyValue(usage), "request_id");

        JsonNode notJson = registry.admin.post().uri("/admin/v1/tenants").contentType(MediaType.APPLICATION_JSON).bodyValue("{oops")
                .exchange().expectStatus().isBadRequest().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(notJson.path("error").path("type").asString()).isEqualTo("invalid_request_error");
        JsonNode typo = registry.admin.post().uri("/admin/v1/tenants").bodyValue(Map.of("id", newTenantId(), "display_nam", "x"))
                .exchange().expectStatus().isBadRequest().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(typo.path("error").path("message").asString()).as("an unknown field is named").contains("display_nam");

        assertThat(registry.getJson("/admin/v1/tenants/{id}", id).path("models").size()).as("bad input changed nothing").isZero();
    }

    @Test
    void unknownTenantsKeysAndModelsAre404sSayingWhatExists() {
        String id = createTenant();
        registry.putJson("/admin/v1/tenants/{id}/models/{name}", Map.of(), 200, id, "alpha");
        String keyId = registry.postJson("/admin/v1/tenants/{id}/keys", Map.of(), 201, id).path("id").asString();

        JsonNode tenant = registry.admin.get().uri("/admin/v1/tenants/{id}", "no-such-tenant").exchange().expectStatus().isNotFound()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(tenant.path("error").path("message").asString()).contains("unknown tenant 'no-such-tenant'");
        assertThat(tenant.path("error").path("type").asString()).isEqualTo("not_found_error");

        JsonNode key = registry.admin.delete().uri("/admin/v1/tenants/{id}/keys/{keyId}", id, "key_nope").exchange()
                .expectStatus().isNotFound().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(key.path("error").path("message").asString()).contains("key_nope").contains(keyId);

        JsonNode model = registry.admin.delete().uri("/admin/v1/tenants/{id}/models/{name}", id, "beta").exchange()
                .expectStatus().isNotFound().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(model.path("error").path("message").asString()).contains("'beta'").contains("its models: alpha");
        assertThat(model.path("error").path("param").asString()).isEqualTo("model");

        for (String uri : List.of("/admin/v1/tenants/{id}/keys", "/admin/v1/tenants/{id}/usage")) {
            registry.admin.get().uri(uri, "no-such-tenant").exchange().expectStatus().isNotFound();
        }
        registry.admin.put().uri("/admin/v1/tenants/{id}/quota", "no-such-tenant").bodyValue(Map.of()).exchange().expectStatus().isNotFound();
        registry.admin.post().uri("/admin/v1/tenants/{id}/keys", "no-such-tenant").bodyValue(Map.of()).exchange().expectStatus().isNotFound();
        registry.admin.put().uri("/admin/v1/tenants/{id}/models/{name}", "no-such-tenant", "m").bodyValue(Map.of()).exchange()
                .expectStatus().isNotFound();
    }

    @Test
    void everyAdminAndInternalPathNeedsTheAdminToken() {
        String id = createTenant();
        List<String> paths = List.of("/admin/v1/tenants", "/admin/v1/tenants/" + id, "/admin/v1/references");
        for (String path : paths) {
            JsonNode missing = registry.anonymous.get().uri(path).exchange().expectStatus().isUnauthorized()
                    .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                    .expectBody(JsonNode.class).returnResult().getResponseBody();
            assertThat(missing.path("error").path("type").asString()).isEqualTo("authentication_error");
            registry.anonymous.get().uri(path).header(HttpHeaders.AUTHORIZATION, "Bearer wrong-token").exchange()
                    .expectStatus().isUnauthorized();
            registry.anonymous.get().uri(path).header(HttpHeaders.AUTHORIZATION, "Basic " + RunningRegistry.ADMIN_TOKEN).exchange()
                    .expectStatus().isUnauthorized();
        }
        registry.anonymous.post().uri("/internal/v1/authenticate").bodyValue(Map.of("api_key", issueKey(id))).exchange()
                .expectStatus().isUnauthorized();
        registry.anonymous.post().uri("/internal/v1/usage").bodyValue(Map.of()).exchange().expectStatus().isUnauthorized();
        registry.anonymous.delete().uri("/admin/v1/tenants/{id}", id).exchange().expectStatus().isUnauthorized();
        registry.anonymous.post().uri("/admin/v1/tenants/{id}/keys", id).bodyValue(Map.of()).exchange().expectStatus().isUnauthorized();
        assertThat(registry.getJson("/admin/v1/tenants/{id}", id).path("keys").size()).as("refused requests changed nothing").isEqualTo(1);
    }

    @Test
    void everythingAcknowledgedSurvivesARestart() {
        String id = createTenant();
        registry.putJson("/admin/v1/tenants/{id}/models/{name}", Map.of("delta", CAPS), 200, id, "kept");
        String live = issueKey(id);
        String revoked = issueKey(id);
        String revokedId = registry.authenticate(revoked).json().path("key_id").asString();
        registry.delete("/admin/v1/tenants/{id}/keys/{keyId}", 204, id, revokedId);
        reportUsage("restart-" + id, id, "kept", 11, 22, 204);

        registry.close();
        registry = RunningRegistry.start(storeArguments());

        Answer answer = registry.authenticate(live);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().path("models").get(0).path("delta").asString()).isEqualTo(CAPS);
        assertThat(registry.authenticate(revoked).status()).isEqualTo(401);
        JsonNode usage = registry.getJson("/admin/v1/tenants/{id}/usage", id);
        assertThat(usage.path("completion_tokens").asLong()).isEqualTo(22);
        reportUsage("restart-" + id, id, "kept", 11, 22, 204);
        assertThat(registry.getJson("/admin/v1/tenants/{id}/usage", id).path("requests").asLong())
                .as("the request id is still remembered after the restart").isEqualTo(1);
    }

    String createTenant() {
        String id = newTenantId();
        registry.postJson("/admin/v1/tenants", Map.of("id", id), 201);
        return id;
    }

    String issueKey(String tenant) {
        return registry.postJson("/admin/v1/tenants/{id}/keys", Map.of("name", "k"), 201, tenant).path("key").asString();
    }

    JsonNode reportUsage(String requestId, String tenant, String model, int prompt, int completion, int status) {
        return registry.postJson("/internal/v1/usage", Map.of("request_id", requestId, "tenant", tenant, "model", model,
                "prompt_tokens", prompt, "completion_tokens", completion), status);
    }

    static String newTenantId() {
        return "t" + TENANTS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    }

    private static void expectInvalid(org.springframework.test.web.reactive.server.WebTestClient.RequestHeadersSpec<?> request, String param) {
        JsonNode error = request.exchange().expectStatus().isBadRequest().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(error.path("error").path("param").asString()).as("param of %s", error).isEqualTo(param);
        assertThat(error.path("error").path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("error").path("message").asString()).contains(param.substring(param.lastIndexOf('.') + 1));
    }
}
