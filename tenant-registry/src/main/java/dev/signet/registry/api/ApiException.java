package dev.signet.registry.api;

import org.springframework.http.HttpStatus;

/**
 * A request the registry answers with an error status and OpenAI's error JSON: the status, the error's {@code type}
 * and {@code code}, the message, and the request parameter at fault ({@code param}; null when no one parameter is).
 */
public final class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;

    ApiException(HttpStatus status, String type, String code, String message, String param) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    /** 400: a parameter is missing, malformed or out of range. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", "invalid_parameter", message, param);
    }

    /** 401: no, or a wrong, credential; {@code code} says which credential ({@code invalid_api_key}, {@code invalid_admin_token}). */
    public static ApiException unauthenticated(String code, String message) {
        return new ApiException(HttpStatus.UNAUTHORIZED, "authentication_error", code, message, null);
    }

    public HttpStatus status() {
        return status;
    }

    public ApiError body() {
        return ApiError.of(getMessage(), type, param, code);
    }
}
