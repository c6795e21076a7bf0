package dev.signet.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.gateway.routing.WorkerRouter;
import dev.signet.residency.Tier;
import dev.signet.residency.WorkerInfo;
import dev.signet.residency.WorkerLoad;
import dev.signet.residency.WorkerReport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

/**
 * Routing through residency: a worker that is listed first but dead costs one retry on the next candidate, not the
 * request; a client that goes away cancels the request on the worker.
 */
class RoutingTest extends RunningGateway {
    static final String DEAD_WORKER = "a-dead-worker";   // sorts before worker-under-test on ties

    @Autowired
    WorkerRouter router;

    @Test
    void aDeadHolderListedFirstIsRetriedOnTheNextWorker() {
        String deadAddress = "http://127.0.0.1:" + TestPlatform.freePort();   // nothing listens there
        String caps = TestPlatform.digest("caps");
        platform.residency.publish(new WorkerReport(new WorkerInfo(DEAD_WORKER, deadAddress, "cpu", 8, 0, 64, 1024),
                new WorkerLoad(8, 0, 0, 0), Map.of(caps, Tier.DEVICE), Instant.now()), Duration.ofSeconds(30));
        try {
            assertThat(router.candidates(caps).block()).as("the dead holder is the first candidate").startsWith(deadAddress)
                    .hasSizeGreaterThan(1);

            JsonNode completion = postJson("/v1/completions", "caps", body("model", "caps-model", "prompt", PROMPT,
                    "max_tokens", MAX_TOKENS, "temperature", 0));
            assertThat(completion.path("choices").get(0).path("text").asString()).isEqualTo(GreedyOracle.text("caps", PROMPT, MAX_TOKENS));

            String sse = post("/v1/chat/completions", "caps", body("model", "caps-model", "stream", true, "max_tokens", 8,
                    "messages", List.of(Map.of("role", "user", "content", PROMPT))), 200);
            assertThat(frames(sse)).isNotEmpty();
        } finally {
            platform.residency.remove(DEAD_WORKER);
        }
    }

    @Test
    void aClientThatGoesAwayCancelsTheRequestOnTheWorker() {
        WebTestClient worker = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + platform.workerPort).build();
        WebTestClient management = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + platform.workerManagementPort).build();
        double cancelledBefore = cancelled(management, "pycode");
        long generatedBefore = state(worker).path("scheduler").path("generated_tokens").asLong();

        Flux<String> frames = gateway.post().uri("/v1/completions").header("Authorization", "Bearer " + key("pycode"))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body("model", "pycode-model", "prompt", PROMPT, "max_tokens", 400, "ignore_eos", true, "seed", 7,
                        "n", 2, "stream", true))
                .exchange().expectStatus().isOk()
                .returnResult(String.class).getResponseBody();
        assertThat(frames.take(3).collectList().block(Duration.ofSeconds(30))).hasSize(3);   // take() cancels the response

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode state = state(worker);
        while ((state.path("scheduler").path("running").asInt() > 0 || cancelled(management, "pycode") < cancelledBefore + 2)
                && System.nanoTime() < deadline) {
            TestPlatform.sleep(20);
            state = state(worker);
        }
        assertThat(state.path("scheduler").path("running").asInt()).as("requests running on the worker").isZero();
        assertThat(cancelled(management, "pycode") - cancelledBefore).as("the worker's cancelled requests of pycode").isEqualTo(2);
        assertThat(state.path("scheduler").path("generated_tokens").asLong() - generatedBefore)
                .as("tokens generated before the cancellation took effect").isLessThan(800);
    }

    private static JsonNode state(WebTestClient worker) {
        return JSON.readTree(worker.get().uri("/v1/state").exchange().expectBody(String.class).returnResult().getResponseBody());
    }

    /** The worker's {@code signet_tenant_requests_total{tenant,outcome="cancelled"}}. */
    private static double cancelled(WebTestClient management, String tenant) {
        String text = management.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        Matcher m = Pattern.compile("(?m)^signet_tenant_requests_total\\{(?=[^}]*outcome=\"cancelled\")(?=[^}]*tenant=\""
                + tenant + "\")[^}]*} (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
