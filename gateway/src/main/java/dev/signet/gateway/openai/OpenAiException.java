package dev.signet.gateway.openai;

import java.util.List;
import org.springframework.http.HttpStatus;

/**
 * A request the gateway answers with an error status and OpenAI's error JSON: status, {@code type}, {@code code}, the
 * parameter at fault ({@code param}, null when no single one is) and, for 429, the seconds to wait ({@code Retry-After}).
 */
public final class OpenAiException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;
    private final long retryAfterSeconds;   // 0: no Retry-After header

    private OpenAiException(HttpStatus status, String type, String code, String param, String message, long retryAfterSeconds,
                            Throwable cause) {
        super(message, cause);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: a parameter is missing, of the wrong type or out of range. */
    public static OpenAiException invalid(String param, String message) {
        return new OpenAiException(HttpStatus.BAD_REQUEST, "invalid_request_error", null, param, message, 0, null);
    }

    /** A client error WebFlux refused before the gateway saw the request (unknown path, wrong method or media type). */
    public static OpenAiException client(HttpStatus status, String message) {
        return new OpenAiException(status, "invalid_request_error", null, null, message, 0, null);
    }

    /** 400: a parameter OpenAI defines whose meaning the gateway cannot honour (it would silently change the answer). */
    public static OpenAiException unsupported(String param, String message) {
        return new OpenAiException(HttpStatus.BAD_REQUEST, "invalid_request_error", "unsupported_parameter", param, message, 0, null);
    }

    /** 401: no key, a malformed key, or one the registry does not know (the same answer for all, as OpenAI gives). */
    public static OpenAiException invalidApiKey(String message) {
        return new OpenAiException(HttpStatus.UNAUTHORIZED, "invalid_request_error", "invalid_api_key", null, message, 0, null);
    }

    /** 404: the model is not one of the caller's, whether it does not exist or belongs to another tenant. */
    public static OpenAiException modelNotFound(String model, List<String> available) {
        return new OpenAiException(HttpStatus.NOT_FOUND, "invalid_request_error", "model_not_found", "model",
                "The model '" + model + "' does not exist or you do not have access to it. Your models: "
                        + (available.isEmpty() ? "none" : String.join(", ", available)), 0, null);
    }

    /** 429: over a rate limit; {@code type} is {@code requests} or {@code tokens} as OpenAI names them. */
    public static OpenAiException rateLimited(String type, String message, long retryAfterSeconds) {
        return new OpenAiException(HttpStatus.TOO_MANY_REQUESTS, type, "rate_limit_exceeded", null, message,
                Math.max(1, retryAfterSeconds), null);
    }

    /** 503: nothing can serve the request now (no live worker, all failed, the registry is down). */
    public static OpenAiException unavailable(String message, Throwable cause) {
        return new OpenAiException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", "service_unavailable", null, message, 0, cause);
    }

    /** 500: the gateway or a worker failed in a way that is not the caller's fault. */
    public static OpenAiException internal(String message, Throwable cause) {
        return new OpenAiException(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", null, null, message, 0, cause);
    }

    public HttpStatus status() {
        return status;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public OpenAiError body() {
        return OpenAiError.of(getMessage(), type, param, code);
    }
}
