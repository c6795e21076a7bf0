package dev.signet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.generate.GenerationResult;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.sampling.SamplingParams;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A worker whose model has a chat template: a copy of stories260K whose tokenizer_config.json carries
 * mistralai/Mistral-7B-Instruct-v0.1's template, which writes BOS itself and raises on turns out of order. The worker
 * renders {@code messages} with it, tokenizes the text without a second BOS, and answers the template's
 * {@code raise_exception} with a 400 naming {@code messages}.
 */
class ChatMessagesWithTemplateTest {
    /** mistralai/Mistral-7B-Instruct-v0.1. */
    static final String MISTRAL = "{{ bos_token }}{% for message in messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
            + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    private static ConfigurableApplicationContext app;
    private static WorkerClient worker;

    @BeforeAll
    static void startWorker() {
        Path model = storiesWithChatTemplate(MISTRAL);
        app = new SpringApplicationBuilder(WorkerApplication.class).run(
                "--server.port=0", "--management.server.port=0", "--signet.worker.threads=1",
                "--signet.worker.model-dir=" + model,
                "--signet.worker.cache.disk-dir=" + WorkerTestFiles.scratch("chat-cache-"));
        worker = new WorkerClient(app.getEnvironment().getRequiredProperty("local.server.port", Integer.class),
                app.getEnvironment().getRequiredProperty("local.management.port", Integer.class));
        worker.awaitReady();
    }

    @AfterAll
    static void stopWorker() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void messagesAreRenderedWithTheModelsTemplateAndGetOneBos() {
        // bos_token; '[INST] ' + content + ' [/INST]'; content + eos_token + ' '; '[INST] ' + content + ' [/INST]'
        String rendered = "<s>[INST] Once upon a time [/INST]there was a cat</s> [INST] Tell me more [/INST]";
        SamplingParams params = SamplingParams.greedy(24).withIgnoreEos(true);
        GenerationResult expected = EngineOracle.alone(null, checkpoint -> checkpoint.tokenizer().encode(rendered), params);
        int bos;
        int[] asIs;
        int[] asPrompt;
        try (LlamaCheckpoint checkpoint = LlamaCheckpoint.open(WorkerTestFiles.repo().resolve("models/stories260K"))) {
            bos = checkpoint.tokenizer().bosId().getAsInt();
            asIs = checkpoint.tokenizer().encode(rendered);
            asPrompt = checkpoint.promptIds(rendered);
        }
        assertThat(asIs[0]).as("the template's <s> is the BOS token").isEqualTo(bos);
        assertThat(asPrompt).as("as a plain prompt it would get a second BOS").hasSize(asIs.length + 1);

        List<JsonNode> events = worker.generate(Map.of("tenant", "t-chat", "max_tokens", 24, "temperature", 0, "ignore_eos", true,
                "messages", List.of(ChatMessagesTest.message("user", "Once upon a time"),
                        ChatMessagesTest.message("assistant", "there was a cat"), ChatMessagesTest.message("user", "Tell me more"))));

        assertThat(events.getFirst().path("prompt_tokens").asInt()).isEqualTo(asIs.length);
        assertThat(WorkerClient.tokens(events)).isEqualTo(expected.tokens()).hasSize(24);
        assertThat(WorkerClient.text(events)).isEqualTo(expected.text());
    }

    @Test
    void theTemplatesRaiseExceptionIsA400NamingMessages() {
        String message = worker.assertInvalid(Map.of("tenant", "t-chat", "messages", List.of(
                ChatMessagesTest.message("user", "a"), ChatMessagesTest.message("user", "b"))), "messages");

        assertThat(message).isEqualTo("the chat template rejected the messages: "
                + "Conversation roles must alternate user/assistant/user/assistant/...");
        assertThat(worker.assertInvalid(Map.of("tenant", "t-chat", "messages", List.of(ChatMessagesTest.message("system", "s"),
                ChatMessagesTest.message("user", "u"))), "messages")).contains("Conversation roles must alternate");
    }

    /** A copy of the bundled stories260K whose tokenizer_config.json also holds {@code template} as chat_template. */
    private static Path storiesWithChatTemplate(String template) {
        Path bundled = WorkerTestFiles.repo().resolve("models/stories260K");
        Path dir = WorkerTestFiles.scratch("stories-chat-");
        try (Stream<Path> files = Files.list(bundled)) {
            for (Path file : files.toList()) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
            Path config = dir.resolve("tokenizer_config.json");
            ObjectNode json = (ObjectNode) WorkerClient.JSON.readTree(Files.readString(config));
            json.put("chat_template", template);
            Files.writeString(config, WorkerClient.JSON.writeValueAsString(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
