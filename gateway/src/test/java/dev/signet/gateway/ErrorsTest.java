package dev.signet.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI's error bodies and statuses: bad keys, other tenants' models, quota, malformed bodies, parameters out of range
 * or unsupported, each naming its parameter; and {@code /v1/models} showing only the caller's models.
 */
class ErrorsTest extends RunningGateway {

    static JsonNode error(String body) {
        JsonNode error = JSON.readTree(body).path("error");
        assertThat(error.has("message") && error.has("type") && error.has("param") && error.has("code")).as(body).isTrue();
        return error;
    }

    @Test
    void aMissingOrWrongKeyIs401InvalidApiKey() {
        for (String authorization : new String[] {null, "Bearer sk-notAKeyAnyoneIssued000000000000000000000000000", "Basic abc"}) {
            var request = gateway.post().uri("/v1/completions").contentType(MediaType.APPLICATION_JSON);
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            String body = request.bodyValue(body("model", "caps-model", "prompt", PROMPT)).exchange()
                    .expectStatus().isUnauthorized().expectBody(String.class).returnResult().getResponseBody();
            assertThat(error(body).path("code").asString()).as(authorization).isEqualTo("invalid_api_key");
        }
        gateway.get().uri("/v1/models").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void anotherTenantsModelIsTheSame404AsAnUnknownOneAndListsTheCallersModels() {
        JsonNode others = error(post("/v1/completions", "caps", body("model", "legal-model", "prompt", PROMPT), 404));
        JsonNode unknown = error(post("/v1/chat/completions", "caps", body("model", "no-such-model",
                "messages", List.of(Map.of("role", "user", "content", "hi"))), 404));

        assertThat(others.path("code").asString()).isEqualTo("model_not_found");
        assertThat(others.path("param").asString()).isEqualTo("model");
        assertThat(others.path("message").asString()).contains("caps-model").doesNotContain("ghost-model");
        assertThat(others.path("message").asString().replace("legal-model", "X"))
                .isEqualTo(unknown.path("message").asString().replace("no-such-model", "X"));
    }

    @Test
    void modelsListsOnlyTheCallersOwn() {
        String list = gateway.get().uri("/v1/models").header("Authorization", "Bearer " + key("legal")).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        JsonNode page = JSON.readTree(list);
        assertThat(page.path("object").asString()).isEqualTo("list");
        assertThat(page.path("data").valueStream().map(m -> m.path("id").asString()).toList())
                .containsExactlyInAnyOrder("legal-model", "ghost-model");
        assertThat(page.path("data").get(0).path("object").asString()).isEqualTo("model");
        assertThat(page.path("data").get(0).path("owned_by").asString()).isEqualTo("legal");
        assertThat(page.path("data").get(0).path("created").asLong()).isEqualTo(1735787045L);

        gateway.get().uri("/v1/models/legal-model").header("Authorization", "Bearer " + key("legal")).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.id").isEqualTo("legal-model");
        gateway.get().uri("/v1/models/legal-model").header("Authorization", "Bearer " + key("caps")).exchange()
                .expectStatus().isNotFound().expectBody().jsonPath("$.error.code").isEqualTo("model_not_found");
    }

    @Test
    void badJsonAndOutOfRangeParametersAre400NamingTheParameter() {
        String malformed = gateway.post().uri("/v1/completions").header("Authorization", "Bearer " + key("caps"))
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"model\": \"caps-model\", ").exchange()
                .expectStatus().isBadRequest().expectBody(String.class).returnResult().getResponseBody();
        assertThat(error(malformed).path("type").asString()).isEqualTo("invalid_request_error");

        Map<String, Map<String, Object>> cases = Map.of(
                "temperature", body("temperature", 2.5),
                "top_p", body("top_p", 0),
                "n", body("n", 17),
                "max_tokens", body("max_tokens", 0),
                "stop", body("stop", List.of("a", "b", "c", "d", "e")),
                "seed", body("seed", "x"),
                "stream_options", body("stream_options", Map.of("include_usage", true)),
                "logprobs", body("logprobs", 3),
                "echo", body("echo", true));
        cases.forEach((param, extra) -> {
            Map<String, Object> request = body("model", "caps-model", "prompt", PROMPT);
            request.putAll(extra);
            assertThat(error(post("/v1/completions", "caps", request, 400)).path("param").asString()).as(param).isEqualTo(param);
        });
        Map<String, Map<String, Object>> chatCases = Map.of(
                "messages", body("messages", List.of()),
                "messages[0].role", body("messages", List.of(Map.of("role", "wizard", "content", "hi"))),
                "logprobs", body("logprobs", true),
                "tools", body("tools", List.of(Map.of("type", "function", "function", Map.of("name", "f")))),
                "response_format", body("response_format", Map.of("type", "json_object")));
        chatCases.forEach((param, extra) -> {
            Map<String, Object> request = body("model", "caps-model", "messages", List.of(Map.of("role", "user", "content", "hi")));
            request.putAll(extra);
            assertThat(error(post("/v1/chat/completions", "caps", request, 400)).path("param").asString()).as(param).isEqualTo(param);
        });
        JsonNode missingModel = error(post("/v1/completions", "caps", body("prompt", PROMPT), 400));
        assertThat(missingModel.path("param").asString()).isEqualTo("model");
    }

    @Test
    void unknownFieldsAndUserAreIgnored() {
        JsonNode completion = postJson("/v1/completions", "caps", body("model", "caps-model", "prompt", PROMPT, "max_tokens", 4,
                "user", "someone", "x_unknown", Map.of("a", 1)));
        assertThat(completion.path("choices").get(0).path("text").asString()).isNotNull();
    }

    @Test
    void overQuotaIs429WithRetryAfter() {
        // tiny's quota: 30 tokens a minute; a request of > 30 tokens drives the bucket below zero.
        post("/v1/completions", "tiny", body("model", "tiny-model", "prompt", PROMPT, "max_tokens", 40, "temperature", 0,
                "ignore_eos", true), 200);
        var result = gateway.post().uri("/v1/completions").header("Authorization", "Bearer " + key("tiny"))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body("model", "tiny-model", "prompt", PROMPT)).exchange()
                .expectStatus().isEqualTo(429)
                .expectBody(String.class).returnResult();
        long retryAfter = Long.parseLong(result.getResponseHeaders().getFirst("Retry-After"));
        assertThat(retryAfter).isBetween(1L, 120L);
        JsonNode error = error(result.getResponseBody());
        assertThat(error.path("code").asString()).isEqualTo("rate_limit_exceeded");
        assertThat(error.path("type").asString()).isEqualTo("tokens");
    }

    @Test
    void aDeltaNoWorkerCanLoadIs503AfterTheWorkerFails() {
        JsonNode error = error(post("/v1/completions", "legal", body("model", "ghost-model", "prompt", PROMPT), 503));
        assertThat(error.path("message").asString()).contains("DELTA_UNAVAILABLE");
    }

    @Test
    void authenticationsAreCached() {
        int before = platform.registry.authentications.get();
        for (int i = 0; i < 5; i++) {
            gateway.get().uri("/v1/models").header("Authorization", "Bearer " + key("pycode")).exchange().expectStatus().isOk();
        }
        assertThat(platform.registry.authentications.get() - before).isLessThanOrEqualTo(1);
    }
}
