package dev.signet.gateway.openai;

import java.util.List;

/**
 * A {@code text_completion}: the answer of {@code /v1/completions}, and each chunk of its stream (whose
 * {@code usage} is null but in the final usage chunk).
 */
public record TextCompletion(String id, String object, long created, String model, String systemFingerprint,
                             List<Choice> choices, Usage usage) {
    public static final String OBJECT = "text_completion";

    public TextCompletion(String id, long created, String model, List<Choice> choices, Usage usage) {
        this(id, OBJECT, created, model, null, choices, usage);
    }

    /** {@code logprobs} is always null: the gateway refuses requests for them. */
    public record Choice(int index, String text, Object logprobs, String finishReason) {
        public Choice(int index, String text, String finishReason) {
            this(index, text, null, finishReason);
        }
    }
}
