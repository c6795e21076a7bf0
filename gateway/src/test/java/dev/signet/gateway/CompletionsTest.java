package dev.signet.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/completions} through a real worker: each tenant's greedy answer is the engine's own under that
 * tenant's delta, streamed or not; the stream's framing is OpenAI's exactly; usage is counted and reported.
 */
class CompletionsTest extends RunningGateway {

    @Test
    void threeTenantsGetTheirOwnDeltasGreedyAnswer() {
        Set<String> answers = new HashSet<>();
        for (String tenant : TENANTS) {
            JsonNode completion = postJson("/v1/completions", tenant,
                    body("model", model(tenant), "prompt", PROMPT, "max_tokens", MAX_TOKENS, "temperature", 0));

            assertThat(completion.path("object").asString()).isEqualTo("text_completion");
            assertThat(completion.path("id").asString()).startsWith("cmpl-");
            assertThat(completion.path("model").asString()).isEqualTo(model(tenant));
            assertThat(completion.path("created").asLong()).isGreaterThan(1_700_000_000L);
            JsonNode choice = completion.path("choices").get(0);
            assertThat(choice.path("index").asInt()).isZero();
            assertThat(choice.has("logprobs") && choice.get("logprobs").isNull()).isTrue();
            assertThat(choice.path("finish_reason").asString()).isIn("stop", "length");
            String text = choice.path("text").asString();
            assertThat(text).as("tenant %s", tenant).isEqualTo(GreedyOracle.text(tenant, PROMPT, MAX_TOKENS));
            answers.add(text);

            JsonNode usage = completion.path("usage");
            assertThat(usage.path("prompt_tokens").asInt()).isPositive();
            assertThat(usage.path("completion_tokens").asInt()).isBetween(1, MAX_TOKENS);
            assertThat(usage.path("total_tokens").asInt()).isEqualTo(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt());
        }
        assertThat(answers).as("three deltas, three answers").hasSize(3);
    }

    @Test
    void streamedCompletionsAreExactSseFramesThatAddUpToTheGreedyAnswer() {
        for (String tenant : TENANTS) {
            String sse = post("/v1/completions", tenant, body("model", model(tenant), "prompt", PROMPT, "max_tokens", MAX_TOKENS,
                    "temperature", 0, "stream", true), 200);
            List<JsonNode> chunks = frames(sse);

            String text = chunks.stream().map(c -> c.path("choices").get(0).path("text").asString()).collect(Collectors.joining());
            assertThat(text).as("tenant %s", tenant).isEqualTo(GreedyOracle.text(tenant, PROMPT, MAX_TOKENS));
            assertThat(chunks).allSatisfy(c -> {
                assertThat(c.path("object").asString()).isEqualTo("text_completion");
                assertThat(c.path("id").asString()).isEqualTo(chunks.getFirst().path("id").asString());
            });
            assertThat(chunks.getLast().path("choices").get(0).path("finish_reason").asString()).isIn("stop", "length");
            assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c ->
                    assertThat(c.path("choices").get(0).path("finish_reason").isNull()).isTrue());
        }
    }

    @Test
    void includeUsageAddsAFinalChunkWithNoChoicesAndTheUsage() {
        String sse = post("/v1/completions", "caps", body("model", "caps-model", "prompt", PROMPT, "max_tokens", MAX_TOKENS,
                "temperature", 0, "stream", true, "stream_options", Map.of("include_usage", true)), 200);
        List<JsonNode> chunks = frames(sse);

        JsonNode last = chunks.getLast();
        assertThat(last.path("choices").isArray() && last.path("choices").isEmpty()).isTrue();
        long completionTokens = last.path("usage").path("completion_tokens").asLong();
        assertThat(completionTokens).isBetween(1L, (long) MAX_TOKENS);
        assertThat(last.path("usage").path("total_tokens").asLong())
                .isEqualTo(last.path("usage").path("prompt_tokens").asLong() + completionTokens);
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> assertThat(c.path("usage").isNull()).isTrue());
    }

    @Test
    void nChoicesRunWithSeedPlusIAndReproduce() {
        Map<String, Object> request = body("model", "pycode-model", "prompt", PROMPT, "max_tokens", 12, "temperature", 1.0,
                "seed", 42, "n", 3);
        JsonNode first = postJson("/v1/completions", "pycode", request);
        JsonNode again = postJson("/v1/completions", "pycode", request);

        assertThat(first.path("choices")).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(first.path("choices").get(i).path("index").asInt()).isEqualTo(i);
            assertThat(first.path("choices").get(i).path("text").asString())
                    .as("choice %d reproduces with the same seed", i).isEqualTo(again.path("choices").get(i).path("text").asString());
        }
        assertThat(Set.of(first.path("choices").get(0).path("text").asString(), first.path("choices").get(1).path("text").asString(),
                first.path("choices").get(2).path("text").asString())).as("seeds 42, 43, 44 sample differently").hasSizeGreaterThan(1);
        JsonNode withSeed43 = postJson("/v1/completions", "pycode", body("model", "pycode-model", "prompt", PROMPT, "max_tokens", 12,
                "temperature", 1.0, "seed", 43));
        assertThat(withSeed43.path("choices").get(0).path("text").asString()).isEqualTo(first.path("choices").get(1).path("text").asString());
    }

    @Test
    void usageReachesTheRegistryOncePerRequest() {
        JsonNode completion = postJson("/v1/completions", "legal", body("model", "legal-model", "prompt", PROMPT, "max_tokens", 5,
                "temperature", 0));
        String id = completion.path("id").asString();

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!platform.registry.usage.containsKey(id) && System.nanoTime() < deadline) {
            TestPlatform.sleep(20);
        }
        JsonNode reported = platform.registry.usage.get(id);
        assertThat(reported).as("usage of %s at the registry", id).isNotNull();
        assertThat(reported.path("tenant").asString()).isEqualTo("legal");
        assertThat(reported.path("model").asString()).isEqualTo("legal-model");
        assertThat(reported.path("prompt_tokens").asLong()).isEqualTo(completion.path("usage").path("prompt_tokens").asLong());
        assertThat(reported.path("completion_tokens").asLong()).isEqualTo(completion.path("usage").path("completion_tokens").asLong());
    }

    @Test
    void stopStringsEndTheTextBeforeThem() {
        String full = GreedyOracle.text("caps", PROMPT, MAX_TOKENS);
        String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
        JsonNode completion = postJson("/v1/completions", "caps", body("model", "caps-model", "prompt", PROMPT,
                "max_tokens", MAX_TOKENS, "temperature", 0, "stop", List.of(stop)));

        JsonNode choice = completion.path("choices").get(0);
        assertThat(choice.path("text").asString()).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
    }
}
