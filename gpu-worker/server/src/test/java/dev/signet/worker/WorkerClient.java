package dev.signet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The worker's API and management port as the tests call them, over real HTTP. */
final class WorkerClient {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Duration DEADLINE = Duration.ofSeconds(20);

    final WebTestClient api;
    final WebTestClient management;

    WorkerClient(int apiPort, int managementPort) {
        this.api = WebTestClient.bindToServer().baseUrl("http://localhost:" + apiPort).responseTimeout(Duration.ofSeconds(30)).build();
        this.management = WebTestClient.bindToServer().baseUrl("http://localhost:" + managementPort).responseTimeout(Duration.ofSeconds(30)).build();
    }

    /** Polls readiness until it is UP. */
    void awaitReady() {
        awaitJson(management, "/actuator/health/readiness", n -> "UP".equals(n.path("status").asString()));
    }

    /** Every event of a generation streamed as NDJSON. */
    List<JsonNode> generate(Map<String, ?> body) {
        String text = api.post().uri("/v1/generate").contentType(MediaType.APPLICATION_JSON).accept(MediaType.APPLICATION_NDJSON)
                .bodyValue(body).exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_NDJSON)
                .expectBody(String.class).returnResult().getResponseBody();
        return text.lines().map(JSON::readTree).toList();
    }

    /** Posts a generate body that must be a 400 naming {@code param}; returns the error's message. */
    String assertInvalid(Map<String, ?> body, String param) {
        String text = api.post().uri("/v1/generate").contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody(String.class).returnResult().getResponseBody();
        JsonNode error = JSON.readTree(text).path("error");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asString(null)).as("param of %s", text).isEqualTo(param);
        assertThat(error.path("message").asString()).isNotEmpty();
        return error.path("message").asString();
    }

    JsonNode state() {
        return getJson(api, "/v1/state");
    }

    String prometheus() {
        return management.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
    }

    static JsonNode getJson(WebTestClient client, String path) {
        String body = client.get().uri(path).exchange().expectBody(String.class).returnResult().getResponseBody();
        return JSON.readTree(body == null ? "null" : body);
    }

    /** Polls a JSON resource until it satisfies the condition, within {@link #DEADLINE}; returns the last answer. */
    static JsonNode awaitJson(WebTestClient client, String path, Predicate<JsonNode> condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        JsonNode last;
        do {
            last = getJson(client, path);
            if (condition.test(last)) {
                return last;
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        } while (System.nanoTime() < deadline);
        assertThat(condition.test(last)).as("%s within %s; last answer %s", path, DEADLINE, last).isTrue();
        return last;
    }

    static int[] tokens(List<JsonNode> events) {
        return events.stream().filter(e -> "token".equals(e.path("type").asString())).mapToInt(e -> e.path("token").asInt()).toArray();
    }

    static String text(List<JsonNode> events) {
        StringBuilder text = new StringBuilder();
        events.stream().filter(e -> "token".equals(e.path("type").asString())).forEach(e -> text.append(e.path("text").asString()));
        return text.toString();
    }
}
