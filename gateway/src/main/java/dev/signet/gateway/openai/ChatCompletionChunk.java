package dev.signet.gateway.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A {@code chat.completion.chunk}, one frame of a chat stream: a choice's {@code delta} (the role first, then content),
 * its {@code finish_reason} in the last chunk of the choice, and, with {@code include_usage}, a final chunk with no
 * choices and the {@code usage}.
 */
public record ChatCompletionChunk(String id, String object, long created, String model, String systemFingerprint,
                                  List<Choice> choices, Usage usage) {
    public static final String OBJECT = "chat.completion.chunk";

    public ChatCompletionChunk(String id, long created, String model, List<Choice> choices, Usage usage) {
        this(id, OBJECT, created, model, null, choices, usage);
    }

    public record Choice(int index, Delta delta, Object logprobs, String finishReason) {
        public Choice(int index, Delta delta, String finishReason) {
            this(index, delta, null, finishReason);
        }
    }

    /** What a chunk adds to its choice's message; an empty delta ({@code {}}) comes with the finish reason. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content) {}
}
