package dev.signet.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import dev.signet.engine.tokenizer.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK, unchanged (with strict response validation on, but for legacy completion streams), against the gateway: completions and
 * chat, streamed and not, for the three tenants, each equal to the engine's greedy answer; models; its typed errors.
 */
class OpenAiSdkTest extends RunningGateway {

    private OpenAIClient client(String tenant) {
        return client(tenant, true);
    }

    private OpenAIClient client(String tenant, boolean validate) {
        return OpenAIOkHttpClient.builder().baseUrl(baseUrl() + "/v1").apiKey(key(tenant)).maxRetries(0).responseValidation(validate).build();
    }

    @Test
    void completionsStreamedAndNotForThreeTenants() {
        for (String tenant : TENANTS) {
            OpenAIClient client = client(tenant);
            CompletionCreateParams params = CompletionCreateParams.builder().model(model(tenant)).prompt(PROMPT)
                    .maxTokens(MAX_TOKENS).temperature(0.0).build();
            String expected = GreedyOracle.text(tenant, PROMPT, MAX_TOKENS);

            Completion completion = client.completions().create(params);
            assertThat(completion.choices().getFirst().text()).as("tenant %s", tenant).isEqualTo(expected);
            assertThat(completion.usage().orElseThrow().completionTokens()).isPositive();

            // The SDK's strict validation wants a finish_reason in every legacy-completion chunk, which OpenAI's own streams
            // leave null until the last one; the stream is read as the SDK reads it by default.
            OpenAIClient lenient = client(tenant, false);
            try (StreamResponse<Completion> stream = lenient.completions().createStreaming(params)) {
                assertThat(SdkStreams.completionText(stream.stream().toList())).as("tenant %s streamed", tenant).isEqualTo(expected);
            }
            lenient.close();
            client.close();
        }
    }

    @Test
    void chatStreamedAndNotForThreeTenants() {
        for (String tenant : TENANTS) {
            OpenAIClient client = client(tenant);
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(model(tenant))
                    .addSystemMessage("You tell short stories.").addUserMessage(PROMPT)
                    .maxCompletionTokens(MAX_TOKENS).temperature(0.0).build();
            String expected = GreedyOracle.chat(tenant, List.of(new ChatMessage("system", "You tell short stories."),
                    new ChatMessage("user", PROMPT)), MAX_TOKENS);

            ChatCompletion chat = client.chat().completions().create(params);
            assertThat(chat.choices().getFirst().message().content()).as("tenant %s", tenant).contains(expected);

            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(SdkStreams.withUsage(params))) {
                List<ChatCompletionChunk> chunks = stream.stream().toList();
                assertThat(SdkStreams.chatText(chunks)).as("tenant %s streamed", tenant).isEqualTo(expected);
                assertThat(chunks.getLast().usage().orElseThrow().totalTokens()).isPositive();
            }
            client.close();
        }
    }

    @Test
    void modelsAndTypedErrors() {
        OpenAIClient client = client("pycode");
        assertThat(client.models().list().data().stream().map(Model::id)).containsExactly("pycode-model");
        assertThat(client.models().retrieve("pycode-model").ownedBy()).isEqualTo("pycode");
        assertThatThrownBy(() -> client.completions().create(CompletionCreateParams.builder().model("caps-model").prompt(PROMPT).build()))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("pycode-model");
        client.close();

        OpenAIClient stranger = OpenAIOkHttpClient.builder().baseUrl(baseUrl() + "/v1").apiKey("sk-strangerKey000000000000000000000000000000000000")
                .maxRetries(0).build();
        assertThatThrownBy(() -> stranger.models().list()).isInstanceOf(UnauthorizedException.class);
        stranger.close();
    }
}
