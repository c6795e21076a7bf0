package dev.signet.gateway.openai;

/** OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}}, every field present (null when it does not apply). */
public record OpenAiError(Detail error) {
    public record Detail(String message, String type, String param, String code) {}

    public static OpenAiError of(String message, String type, String param, String code) {
        return new OpenAiError(new Detail(message, type, param, code));
    }
}
