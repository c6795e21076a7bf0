package dev.signet.gateway.openai;

/** OpenAI's {@code usage}: prompt tokens (counted once however many choices), completion tokens of all choices, their sum. */
public record Usage(long promptTokens, long completionTokens, long totalTokens) {
    public static Usage of(long promptTokens, long completionTokens) {
        return new Usage(promptTokens, completionTokens, promptTokens + completionTokens);
    }
}
