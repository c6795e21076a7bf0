package dev.signet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.generate.GenerationResult;
import dev.signet.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Medusa speculation in the running worker ({@link RunningWorker}: the base's bundled heads by default, caps' own
 * heads named in {@code medusa.deltas}): greedy output with speculation is exactly the engine's plain greedy output
 * for the base, for caps by digest, and for a delta without heads (drafting with the base's); the finish event
 * reports the tree steps; Prometheus counts them per tenant under vLLM's spec-decode names; {@code /v1/state} shows
 * which models have heads.
 */
class MedusaWorkerTest extends RunningWorker {
    static final List<String> PROMPTS = List.of("Once upon a time", "Lily wanted to");
    static final int TOKENS = 64;

    private List<JsonNode> greedy(String tenant, String delta, String prompt) {
        return worker.generate(body("tenant", tenant, "delta", delta, "prompt", prompt, "max_tokens", TOKENS, "temperature", 0,
                "ignore_eos", true));
    }

    /** Checks the stream against the engine run alone without speculation; returns the finish event's speculation. */
    private static JsonNode assertPlainGreedy(List<JsonNode> events, String deltaName, String prompt) {
        GenerationResult expected = EngineOracle.alone(deltaName, prompt, SamplingParams.greedy(TOKENS).withIgnoreEos(true));
        assertThat(WorkerClient.tokens(events)).as("%s '%s'", deltaName, prompt).isEqualTo(expected.tokens());
        assertThat(WorkerClient.text(events)).isEqualTo(expected.text());
        JsonNode finish = events.getLast();
        assertThat(finish.path("type").asString()).isEqualTo("finish");
        assertThat(finish.path("completion_tokens").asInt()).isEqualTo(TOKENS);
        assertConsistent(finish.path("speculation"));
        return finish.path("speculation");
    }

    /** A finish event's speculation: tree steps ran, drafted tokens were accepted, and its numbers add up. */
    private static void assertConsistent(JsonNode spec) {
        assertThat(spec.isObject()).as("the finish event's speculation: %s", spec).isTrue();
        int drafts = spec.path("drafts").asInt();
        int accepted = spec.path("accepted_tokens").asInt();
        assertThat(drafts).as("tree steps").isPositive();
        assertThat(accepted).as("accepted drafted tokens").isPositive().isLessThanOrEqualTo(spec.path("draft_tokens").asInt());
        List<Integer> perStep = new ArrayList<>();
        spec.path("tokens_per_step").forEach(n -> perStep.add(n.asInt()));
        assertThat(perStep).hasSize(drafts).allSatisfy(n -> assertThat(n).isBetween(1, 4));   // 3 heads: 3 drafted + 1 own
        assertThat(perStep.stream().mapToInt(Integer::intValue).sum()).isEqualTo(accepted + drafts);
    }

    @Test
    void greedyWithSpeculationIsTheEnginesPlainGreedyForTheBaseWithItsBundledHeads() {
        for (String prompt : PROMPTS) {
            assertPlainGreedy(greedy("t-medusa-base", null, prompt), null, prompt);
        }
    }

    @Test
    void greedyWithSpeculationIsTheEnginesPlainGreedyForCapsByDigestWithItsOwnHeads() {
        String caps = WorkerTestFiles.bundledDigest("caps");
        int drafts = 0;
        int accepted = 0;
        for (String prompt : PROMPTS) {
            JsonNode spec = assertPlainGreedy(greedy("t-medusa-caps", caps, prompt), "caps", prompt);
            drafts += spec.path("drafts").asInt();
            accepted += spec.path("accepted_tokens").asInt();
        }
        // caps' heads are far more accurate than the base's (top-1 44% vs 20% at head 0): well over one token per step
        assertThat(1 + (double) accepted / drafts).as("tokens per tree step for caps").isGreaterThan(1.5);
    }

    @Test
    void aDeltaWithoutHeadsDraftsWithTheBasesHeadsAndStaysExact() {
        String prompt = PROMPTS.getFirst();
        assertPlainGreedy(greedy("t-medusa-py", WorkerTestFiles.bundledDigest("pycode"), prompt), "pycode", prompt);
    }

    @Test
    void aRequestWithoutTreeStepsHasNoSpeculationInItsFinishEvent() {
        List<JsonNode> events = worker.generate(body("tenant", "t-medusa-one", "prompt", PROMPT, "max_tokens", 1, "temperature", 0));
        assertThat(events.getLast().path("type").asString()).isEqualTo("finish");
        assertThat(events.getLast().has("speculation")).as("finish after the prompt's own token: %s", events.getLast()).isFalse();
    }

    @Test
    void aSeedStillReproducesASampledRequestServedAlone() {
        Map<String, Object> request = body("tenant", "t-medusa-seed", "delta", WorkerTestFiles.bundledDigest("caps"), "prompt", PROMPT,
                "max_tokens", 48, "temperature", 0.8, "seed", 42, "ignore_eos", true);
        List<JsonNode> first = worker.generate(request);
        List<JsonNode> second = worker.generate(request);
        assertThat(WorkerClient.tokens(first)).hasSize(48).isEqualTo(WorkerClient.tokens(second));
        assertConsistent(first.getLast().path("speculation"));
    }

    @Test
    void prometheusCountsEachTenantsSpeculationUnderVllmsSpecDecodeNames() {
        String tenant = "t-medusa-metrics";
        String before = worker.prometheus();
        JsonNode spec = events(greedy(tenant, WorkerTestFiles.bundledDigest("caps"), PROMPT)).getLast().path("speculation");
        assertConsistent(spec);
        String after = worker.prometheus();

        // The tenant keeps its own label unless the bound (2 in these tests) was reached before it came: then "other".
        String label = after.contains("tenant=\"" + tenant + "\"") ? tenant : "other";
        String drafts = "vllm:spec_decode_num_drafts_total{tenant=\"" + label + "\"}";
        String draftTokens = "vllm:spec_decode_num_draft_tokens_total{tenant=\"" + label + "\"}";
        String accepted = "vllm:spec_decode_num_accepted_tokens_total{tenant=\"" + label + "\"}";
        String position0 = "vllm:spec_decode_num_accepted_tokens_per_pos_total{position=\"0\",tenant=\"" + label + "\"}";
        assertThat(after).contains(drafts + " ", draftTokens + " ", accepted + " ", position0 + " ");

        assertThat(value(after, drafts) - value(before, drafts)).isEqualTo(spec.path("drafts").asDouble());
        assertThat(value(after, draftTokens) - value(before, draftTokens)).isEqualTo(spec.path("draft_tokens").asDouble());
        assertThat(value(after, accepted) - value(before, accepted)).isEqualTo(spec.path("accepted_tokens").asDouble());
        Map<String, Double> perPosition = perPosition(after, label);
        Map<String, Double> perPositionBefore = perPosition(before, label);
        assertThat(perPosition.keySet()).as("positions of a tree over 3 heads").containsExactlyInAnyOrder("0", "1", "2");
        double acceptedByPosition = 0;
        for (var e : perPosition.entrySet()) {
            acceptedByPosition += e.getValue() - perPositionBefore.getOrDefault(e.getKey(), 0.0);
        }
        assertThat(acceptedByPosition).as("accepted tokens counted by position").isEqualTo(spec.path("accepted_tokens").asDouble());
        assertThat(perPosition.get("0")).isGreaterThanOrEqualTo(perPosition.get("1"));
    }

    @Test
    void stateShowsWhichModelsHaveHeadsAndTheSpeculationCounters() {
        greedy("t-medusa-state", null, PROMPT);
        JsonNode state = worker.state();
        JsonNode medusa = state.path("medusa");
        assertThat(medusa.path("enabled").asBoolean()).isTrue();
        assertThat(medusa.path("draft_rows").asInt()).isEqualTo(16);
        assertThat(medusa.path("verification").asString()).isEqualTo("lossless");
        assertThat(medusa.path("tenants_use_base_heads").asBoolean()).isTrue();
        assertThat(medusa.path("base").path("dir").asString()).isEqualTo(WorkerTestFiles.repo().resolve("models/medusa/stories260K").toString());
        assertThat(medusa.path("base").path("heads").asInt()).isEqualTo(3);
        assertThat(medusa.path("base").path("tree_depth").asInt()).isEqualTo(3);
        List<String> withHeads = new ArrayList<>();
        medusa.path("deltas").propertyNames().forEach(withHeads::add);
        assertThat(withHeads).containsExactly(WorkerTestFiles.bundledDigest("caps"));
        assertThat(medusa.path("deltas").path(WorkerTestFiles.bundledDigest("caps")).path("dir").asString()).isEqualTo(CAPS_HEADS.toString());

        assertThat(medusa.path("drafts").asLong()).isPositive().isEqualTo(state.path("scheduler").path("drafts").asLong());
        assertThat(medusa.path("accepted_tokens").asLong()).isPositive().isEqualTo(state.path("scheduler").path("accepted_tokens").asLong());
        assertThat(medusa.path("draft_tokens").asLong()).isEqualTo(state.path("scheduler").path("draft_tokens").asLong());
        assertThat(medusa.path("acceptance_rate").asDouble()).isBetween(0.0, 1.0);
        assertThat(medusa.path("mean_acceptance_length").asDouble()).isGreaterThan(1.0);
    }

    private static List<JsonNode> events(List<JsonNode> events) {
        assertThat(events.getLast().path("type").asString()).as("%s", events.getLast()).isEqualTo("finish");
        return events;
    }

    /** A series' value, 0 when it is not exposed (yet). */
    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static Map<String, Double> perPosition(String text, String label) {
        Map<String, Double> byPosition = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^vllm:spec_decode_num_accepted_tokens_per_pos_total\\{position=\"(\\d+)\",tenant=\""
                + Pattern.quote(label) + "\"} (\\S+)$").matcher(text);
        while (m.find()) {
            byPosition.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return byPosition;
    }
}
