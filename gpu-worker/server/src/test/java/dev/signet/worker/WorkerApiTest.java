package dev.signet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.generate.GenerationResult;
import dev.signet.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

/**
 * The worker's HTTP API against the running application on random ports, serving the bundled stories260K base and
 * demo deltas on the CPU backend, with residency in process ({@link RunningWorker}). Every answer is checked against
 * the engine run alone from the same files.
 */
class WorkerApiTest extends RunningWorker {

    @Test
    void readinessAndLivenessAreUpOnceTheModelIsLoaded() {
        assertThat(WorkerClient.getJson(worker.management, "/actuator/health/liveness").path("status").asString()).isEqualTo("UP");
        JsonNode state = worker.state();
        assertThat(state.path("status").asString()).isEqualTo("ready");
        assertThat(state.path("base_digest").asString()).startsWith("sha256:");
        assertThat(state.path("worker").path("backend").asString()).isEqualTo("cpu");
        assertThat(state.path("worker").path("device_slots").asInt()).isEqualTo(2);
        assertThat(state.path("scheduler").has("free_kv_blocks")).isTrue();
    }

    @Test
    void greedyBaseGenerationStreamsTheEnginesTokensAsNdjson() {
        SamplingParams params = SamplingParams.greedy(48);
        GenerationResult expected = EngineOracle.alone(null, PROMPT, params);

        List<JsonNode> events = worker.generate(body("request_id", "base-1", "tenant", "t-base", "prompt", PROMPT,
                "max_tokens", 48, "temperature", 0));

        assertThat(events.getFirst().path("type").asString()).isEqualTo("start");
        assertThat(events.getFirst().path("request_id").asString()).isEqualTo("base-1");
        assertThat(events.getFirst().path("prompt_tokens").asInt()).isEqualTo(EngineOracle.promptTokens(PROMPT));
        assertThat(WorkerClient.tokens(events)).isEqualTo(expected.tokens());
        assertThat(WorkerClient.text(events)).isEqualTo(expected.text());
        JsonNode finish = events.getLast();
        assertThat(finish.path("type").asString()).isEqualTo("finish");
        assertThat(finish.path("finish_reason").asString()).isEqualTo(expected.finishReason().openAiName());
        assertThat(finish.path("completion_tokens").asInt()).isEqualTo(expected.tokens().length);
        assertThat(finish.path("prompt_tokens").asInt()).isEqualTo(EngineOracle.promptTokens(PROMPT));
    }

    @Test
    void aBundledDeltaByDigestStreamsItsTenantsTokensAsServerSentEvents() {
        SamplingParams params = SamplingParams.greedy(40).withIgnoreEos(true);
        GenerationResult expected = EngineOracle.alone("caps", PROMPT, params);

        String raw = worker.api.post().uri("/v1/generate").contentType(MediaType.APPLICATION_JSON).accept(MediaType.TEXT_EVENT_STREAM)
                .bodyValue(body("tenant", "t-caps", "delta", WorkerTestFiles.bundledDigest("caps"), "prompt", PROMPT,
                        "max_tokens", 40, "temperature", 0.0, "ignore_eos", true))
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .expectBody(String.class).returnResult().getResponseBody();

        List<JsonNode> events = new ArrayList<>();
        for (String frame : raw.split("\n\n")) {
            assertThat(frame).as("an SSE frame is one data line").startsWith("data:").doesNotContain("\n");
            events.add(WorkerClient.JSON.readTree(frame.substring("data:".length())));
        }
        assertThat(events.getFirst().path("type").asString()).isEqualTo("start");
        assertThat(events.getFirst().path("request_id").asString()).as("generated when absent").isNotBlank();
        assertThat(WorkerClient.tokens(events)).isEqualTo(expected.tokens());
        assertThat(WorkerClient.text(events)).isEqualTo(expected.text()).isNotEqualTo(
                WorkerClient.text(worker.generate(body("tenant", "t-base", "prompt", PROMPT, "max_tokens", 40, "temperature", 0,
                        "ignore_eos", true))));
        assertThat(events.getLast().path("finish_reason").asString()).isEqualTo("length");
    }

    @Test
    void promptIdsAreServedAsGiven() {
        SamplingParams params = SamplingParams.greedy(12).withIgnoreEos(true);
        GenerationResult expected = EngineOracle.alone("pycode", PROMPT, params);
        List<Integer> ids = new ArrayList<>();
        for (int id : promptIds(PROMPT)) {
            ids.add(id);
        }
        List<JsonNode> events = worker.generate(body("tenant", "t-py", "delta", WorkerTestFiles.bundledDigest("pycode"),
                "prompt_ids", ids, "max_tokens", 12, "temperature", 0, "ignore_eos", true));
        assertThat(WorkerClient.tokens(events)).isEqualTo(expected.tokens());
    }

    private static int[] promptIds(String prompt) {
        try (var checkpoint = dev.signet.engine.model.LlamaCheckpoint.open(WorkerTestFiles.repo().resolve("models/stories260K"))) {
            return checkpoint.promptIds(prompt);
        }
    }

    @Test
    void aClientThatGoesAwayFreesItsKvBlocksAtOnce() {
        long generatedBefore = worker.state().path("scheduler").path("generated_tokens").asLong();
        Flux<String> lines = worker.api.post().uri("/v1/generate").contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.APPLICATION_NDJSON)
                .bodyValue(body("tenant", "t-cancel", "prompt", PROMPT, "max_tokens", 400, "ignore_eos", true, "seed", 7))
                .exchange().expectStatus().isOk()
                .returnResult(String.class).getResponseBody();

        List<String> firstEvents = lines.take(4).collectList().block(WorkerClient.DEADLINE);   // take() cancels the response

        assertThat(firstEvents).hasSize(4);
        assertThat(firstEvents.getFirst()).contains("\"start\"");
        JsonNode state = WorkerClient.awaitJson(worker.api, "/v1/state",
                s -> s.path("scheduler").path("running").asInt() == 0 && s.path("scheduler").path("waiting").asInt() == 0
                        && s.path("scheduler").path("kv_usage").asDouble() == 0 && s.path("load").path("kv_usage").asDouble() == 0);
        assertThat(state.path("scheduler").path("generated_tokens").asLong() - generatedBefore)
                .as("tokens generated before the cancellation took effect").isLessThan(400);
    }

    @Test
    void prometheusHasVllmSeriesAndBoundedPerTenantSeries() {
        for (String tenant : List.of("m1", "m2", "m3", "m4")) {
            worker.generate(body("tenant", tenant, "delta", WorkerTestFiles.bundledDigest("legal"), "prompt", PROMPT, "max_tokens", 6,
                    "temperature", 0, "ignore_eos", true));
        }
        String text = worker.prometheus();

        assertThat(text).contains("vllm:num_requests_running ", "vllm:num_requests_waiting ", "vllm:kv_cache_usage_perc ",
                "vllm:lora_requests_info{", "running_lora_adapters=\"", "waiting_lora_adapters=\"", "max_lora=\"2\"",
                "vllm:time_to_first_token_seconds_bucket{le=\"0.1\"}", "vllm:time_to_first_token_seconds_count ",
                "vllm:inter_token_latency_seconds_bucket{", "vllm:time_per_output_token_seconds_bucket{",
                "vllm:prompt_tokens_total ", "vllm:generation_tokens_total ", "vllm:num_preemptions_total ",
                "signet_tenant_prompt_tokens_total{", "signet_tenant_generated_tokens_total{", "signet_delta_cache_entries{tier=\"device\"}");
        assertThat(value(text, "vllm:generation_tokens_total")).isGreaterThanOrEqualTo(24);

        Set<String> labelled = new TreeSet<>();
        Map<String, Double> finished = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^signet_tenant_requests_total\\{(.*)} (\\S+)$").matcher(text);
        while (m.find()) {
            String tenant = label(m.group(1), "tenant");
            labelled.add(tenant);
            finished.merge(tenant, Double.parseDouble(m.group(2)), Double::sum);
        }
        assertThat(labelled).as("tenant labels, bounded at 2").contains("other").hasSize(3);
        assertThat(finished.get("other")).as("requests of tenants past the bound").isGreaterThanOrEqualTo(2);
    }

    private static String label(String labels, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(labels);
        assertThat(m.find()).as("%s in {%s}", name, labels).isTrue();
        return m.group(1);
    }

    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as(series).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void badRequestsNameTheParameterAtFault() {
        worker.assertInvalid(body("tenant", "t", "prompt", PROMPT, "temperature", -1), "temperature");
        worker.assertInvalid(body("prompt", PROMPT), "tenant");
        worker.assertInvalid(body("tenant", "t", "prompt", PROMPT, "delta", "caps"), "delta");
        worker.assertInvalid(body("tenant", "t", "prompt", PROMPT, "max_tokens", "many"), "max_tokens");
        worker.assertInvalid(body("tenant", "t", "prompt", PROMPT, "top_p", 0), "top_p");
        worker.assertInvalid(body("tenant", "t", "prompt", PROMPT, "stop", List.of("")), "stop");
        worker.assertInvalid(body("tenant", "t"), "prompt");
        worker.assertInvalid(body("tenant", "t", "prompt_ids", List.of(1, 99_999)), "prompt_ids");

        worker.api.post().uri("/v1/generate").contentType(MediaType.APPLICATION_JSON).accept(MediaType.TEXT_EVENT_STREAM)
                .bodyValue(body("tenant", "t", "prompt", PROMPT, "top_k", -1)).exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody().jsonPath("$.error.param").isEqualTo("top_k");
        worker.api.post().uri("/v1/generate").contentType(MediaType.APPLICATION_JSON).bodyValue("{\"tenant\": ").exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.type").isEqualTo("invalid_request_error");

        worker.api.put().uri("/v1/deltas/{digest}", "CAFE").exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.param").isEqualTo("digest")
                .jsonPath("$.error.type").isEqualTo("invalid_request_error");
        worker.api.put().uri("/v1/deltas/{digest}?tier=gpu", WorkerTestFiles.bundledDigest("caps")).exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.param").isEqualTo("tier");
        worker.api.put().uri("/v1/deltas/{digest}?pin=maybe", WorkerTestFiles.bundledDigest("caps")).exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error.param").isEqualTo("pin");
    }

    @Test
    void anUnknownDeltaEndsTheStreamWithDeltaUnavailableAndIsNotFoundWhenLoaded() {
        String unknown = "0123456789abcdef".repeat(4);
        List<JsonNode> events = worker.generate(body("tenant", "t-unknown", "delta", unknown, "prompt", PROMPT, "max_tokens", 8));
        assertThat(events).hasSize(2);
        assertThat(events.get(0).path("type").asString()).isEqualTo("start");
        assertThat(events.get(1).path("type").asString()).isEqualTo("error");
        assertThat(events.get(1).path("kind").asString()).isEqualTo("DELTA_UNAVAILABLE");
        assertThat(events.get(1).path("message").asString()).contains(unknown);

        worker.api.put().uri("/v1/deltas/{digest}?tier=host", unknown).exchange()
                .expectStatus().isNotFound()
                .expectBody().jsonPath("$.error.type").isEqualTo("not_found_error")
                .jsonPath("$.error.message").value(m -> assertThat((String) m).contains(unknown));
    }

    @Test
    void anArtifactThatFailsItsChecksIsUnprocessable() {
        String broken = WorkerTestFiles.digest(DELTA_DIR.resolve("broken.safetensors"));
        worker.api.put().uri("/v1/deltas/{digest}?tier=host", broken).exchange()
                .expectStatus().isEqualTo(422)
                .expectBody().jsonPath("$.error.type").isEqualTo("invalid_delta_error")
                .jsonPath("$.error.message").value(m -> assertThat((String) m).contains("check failed"));
    }

    @Test
    void deltasLoadListAndEvictThroughTheCache() {
        String legal = WorkerTestFiles.bundledDigest("legal");
        worker.api.put().uri("/v1/deltas/{digest}?tier=device&pin=true", legal).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.digest").isEqualTo(legal).jsonPath("$.tier").isEqualTo("device");

        JsonNode list = WorkerClient.getJson(worker.api, "/v1/deltas");
        assertThat(list.path("names").path("legal").asString()).isEqualTo(legal);
        assertThat(list.path("names").path("broken").asString()).isNotBlank();
        JsonNode entry = null;
        for (JsonNode d : list.path("deltas")) {
            if (d.path("digest").asString().equals(legal)) {
                entry = d;
            }
        }
        assertThat(entry).isNotNull();
        assertThat(entry.path("tier").asString()).isEqualTo("device");
        assertThat(entry.path("pinned").asBoolean()).isTrue();

        worker.api.delete().uri("/v1/deltas/{digest}", legal).exchange()
                .expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.error.type").isEqualTo("conflict_error");
        worker.api.delete().uri("/v1/deltas/{digest}/pin", legal).exchange().expectStatus().isNoContent();
        worker.api.delete().uri("/v1/deltas/{digest}", legal).exchange().expectStatus().isNoContent();
        assertThat(worker.state().path("deltas").path(legal).asString()).as("after eviction").isIn("disk", "");
    }
}
