package dev.signet.worker.api;

/** OpenAI's error body: {@code {"error": {"message", "type", "param"}}}. */
public record ApiError(Detail error) {
    public record Detail(String message, String type, String param) {}

    public static ApiError of(String message, String type, String param) {
        return new ApiError(new Detail(message, type, param));
    }
}
