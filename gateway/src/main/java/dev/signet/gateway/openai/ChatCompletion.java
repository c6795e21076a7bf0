package dev.signet.gateway.openai;

import java.util.List;

/** A {@code chat.completion}: the answer of {@code /v1/chat/completions} without streaming. */
public record ChatCompletion(String id, String object, long created, String model, String systemFingerprint,
                             List<Choice> choices, Usage usage) {
    public static final String OBJECT = "chat.completion";

    public ChatCompletion(String id, long created, String model, List<Choice> choices, Usage usage) {
        this(id, OBJECT, created, model, null, choices, usage);
    }

    public record Choice(int index, Message message, Object logprobs, String finishReason) {
        public Choice(int index, String content, String finishReason) {
            this(index, new Message("assistant", content, null), null, finishReason);
        }
    }

    /** The assistant's message; {@code refusal} is always null (the SDKs expect the field). */
    public record Message(String role, String content, String refusal) {}
}
