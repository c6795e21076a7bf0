package dev.signet.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.tokenizer.ChatMessage;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/chat/completions} through a real worker: messages (string content and text parts) reach the
 * worker's chat template, each tenant's greedy reply is the engine's own under its delta, and the stream is OpenAI's
 * chunk sequence: the role first, content deltas, an empty delta with the finish reason, the usage chunk, [DONE].
 */
class ChatCompletionsTest extends RunningGateway {
    static final List<Map<String, Object>> MESSAGES = List.of(
            Map.of("role", "system", "content", "You tell short stories."),
            Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "Once upon a time"), Map.of("type", "text", "text", " there was"))));
    static final List<ChatMessage> RENDERED = List.of(new ChatMessage("system", "You tell short stories."),
            new ChatMessage("user", "Once upon a time there was"));

    @Test
    void threeTenantsGetTheirOwnDeltasGreedyReply() {
        Set<String> replies = new HashSet<>();
        for (String tenant : TENANTS) {
            JsonNode completion = postJson("/v1/chat/completions", tenant,
                    body("model", model(tenant), "messages", MESSAGES, "max_completion_tokens", MAX_TOKENS, "temperature", 0));

            assertThat(completion.path("object").asString()).isEqualTo("chat.completion");
            assertThat(completion.path("id").asString()).startsWith("chatcmpl-");
            JsonNode choice = completion.path("choices").get(0);
            assertThat(choice.path("message").path("role").asString()).isEqualTo("assistant");
            assertThat(choice.path("finish_reason").asString()).isIn("stop", "length");
            String reply = choice.path("message").path("content").asString();
            assertThat(reply).as("tenant %s", tenant).isEqualTo(GreedyOracle.chat(tenant, RENDERED, MAX_TOKENS));
            replies.add(reply);
            assertThat(completion.path("usage").path("completion_tokens").asInt()).isBetween(1, MAX_TOKENS);
        }
        assertThat(replies).hasSize(3);
    }

    @Test
    void streamedChatIsRoleThenContentThenFinishThenUsageThenDone() {
        for (String tenant : TENANTS) {
            String sse = post("/v1/chat/completions", tenant, body("model", model(tenant), "messages", MESSAGES, "max_tokens", MAX_TOKENS,
                    "temperature", 0, "stream", true, "stream_options", Map.of("include_usage", true)), 200);
            List<JsonNode> chunks = frames(sse);

            assertThat(chunks).allSatisfy(c -> assertThat(c.path("object").asString()).isEqualTo("chat.completion.chunk"));
            JsonNode first = chunks.getFirst().path("choices").get(0);
            assertThat(first.path("delta").path("role").asString()).isEqualTo("assistant");
            JsonNode usage = chunks.getLast();
            assertThat(usage.path("choices").isEmpty()).isTrue();
            assertThat(usage.path("usage").path("total_tokens").asInt()).isPositive();
            JsonNode finish = chunks.get(chunks.size() - 2).path("choices").get(0);
            assertThat(finish.path("finish_reason").asString()).isIn("stop", "length");
            assertThat(finish.path("delta").isEmpty()).as("the finishing chunk's delta is {}").isTrue();
            List<JsonNode> content = chunks.subList(1, chunks.size() - 2);
            assertThat(content).allSatisfy(c -> {
                assertThat(c.path("choices").get(0).path("delta").has("role")).isFalse();
                assertThat(c.path("choices").get(0).path("finish_reason").isNull()).isTrue();
            });
            String reply = content.stream().map(c -> c.path("choices").get(0).path("delta").path("content").asString())
                    .collect(Collectors.joining());
            assertThat(reply).as("tenant %s", tenant).isEqualTo(GreedyOracle.chat(tenant, RENDERED, MAX_TOKENS));
        }
    }
}
