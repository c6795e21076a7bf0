package dev.signet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.generate.GenerationResult;
import dev.signet.engine.sampling.SamplingParams;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code messages} on the running worker ({@link RunningWorker}): the bundled stories260K has no chat template, so a
 * chat is rendered in the documented plain format and generates exactly what the engine generates, alone, for that
 * text as a prompt; malformed messages are a 400 naming {@code messages}.
 */
class ChatMessagesTest extends RunningWorker {

    @Test
    void aChatWithoutATemplateIsRenderedInThePlainFormatAndGreedyDecodedAsThatPrompt() {
        // The plain format, written out by hand: "<Role>: <content>\n" per message, then "Assistant:".
        String rendered = "System: You tell short stories.\nUser: Once upon a time\nAssistant:";
        SamplingParams params = SamplingParams.greedy(32).withIgnoreEos(true);
        GenerationResult expected = EngineOracle.alone(null, rendered, params);

        List<JsonNode> events = worker.generate(body("tenant", "t-chat", "max_tokens", 32, "temperature", 0, "ignore_eos", true,
                "messages", List.of(message("system", "You tell short stories."), message("user", "Once upon a time"))));

        assertThat(events.getFirst().path("prompt_tokens").asInt()).isEqualTo(EngineOracle.promptTokens(rendered));
        assertThat(WorkerClient.tokens(events)).isEqualTo(expected.tokens()).hasSize(32);
        assertThat(WorkerClient.text(events)).isEqualTo(expected.text());
        assertThat(events.getLast().path("type").asString()).isEqualTo("finish");
    }

    @Test
    void badMessagesAreA400NamingMessages() {
        assertThat(worker.assertInvalid(body("tenant", "t", "messages", List.of()), "messages")).contains("non-empty array");
        assertThat(worker.assertInvalid(body("tenant", "t", "messages", "hello"), "messages")).contains("non-empty array");
        assertThat(worker.assertInvalid(body("tenant", "t", "messages", List.of("hello")), "messages"))
                .contains("messages[0] must be an object");
        assertThat(worker.assertInvalid(body("tenant", "t", "messages", List.of(message("user", "hi"), message("tool", "x"))), "messages"))
                .contains("messages[1].role must be one of system, user, assistant", "\"tool\"");
        assertThat(worker.assertInvalid(body("tenant", "t", "messages", List.of(Map.of("content", "hi"))), "messages"))
                .contains("messages[0].role");
        assertThat(worker.assertInvalid(body("tenant", "t", "messages", List.of(Map.of("role", "user", "content", 42))), "messages"))
                .contains("messages[0].content must be a string, got 42");
        assertThat(worker.assertInvalid(body("tenant", "t", "messages",
                List.of(Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "hi"))))), "messages"))
                .contains("messages[0].content must be a string");
        assertThat(worker.assertInvalid(body("tenant", "t", "prompt", PROMPT, "messages", List.of(message("user", "hi"))), "messages"))
                .contains("exactly one of prompt (text), prompt_ids (token ids) and messages");
        worker.assertInvalid(body("tenant", "t", "prompt_ids", List.of(1, 2), "messages", List.of(message("user", "hi"))), "messages");
    }

    static Map<String, String> message(String role, String content) {
        return Map.of("role", role, "content", content);
    }
}
