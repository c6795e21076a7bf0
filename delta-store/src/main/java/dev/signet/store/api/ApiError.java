package dev.signet.store.api;

/** OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}}. */
public record ApiError(Detail error) {
    public record Detail(String message, String type, String param, String code) {}

    public static ApiError of(String message, String type, String param, String code) {
        return new ApiError(new Detail(message, type, param, code));
    }
}
