package dev.signet.worker.api;

import org.springframework.http.HttpStatus;

/**
 * A request the worker answers with an error status and OpenAI's error JSON: the status, the error's {@code type},
 * the message, and the request parameter at fault ({@code param}; null when the fault is not one parameter's).
 */
public final class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final String param;

    private ApiException(HttpStatus status, String type, String message, String param, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    /** 400: a parameter is missing, of the wrong type or out of range. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", message, param, null);
    }

    /** 404: the thing asked for does not exist (a delta the source does not hold). */
    public static ApiException notFound(String param, String message, Throwable cause) {
        return new ApiException(HttpStatus.NOT_FOUND, "not_found_error", message, param, cause);
    }

    /** 409: the request conflicts with the worker's state (evicting a delta in use or pinned). */
    public static ApiException conflict(String param, String message, Throwable cause) {
        return new ApiException(HttpStatus.CONFLICT, "conflict_error", message, param, cause);
    }

    /** 422: the delta exists but cannot be served (its artifact fails a check). */
    public static ApiException unprocessable(String param, String message, Throwable cause) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "invalid_delta_error", message, param, cause);
    }

    /** 502: the delta source could not be reached or broke off the transfer. */
    public static ApiException badGateway(String message, Throwable cause) {
        return new ApiException(HttpStatus.BAD_GATEWAY, "upstream_error", message, null, cause);
    }

    /** 503: the model is still loading, failed to load, or the worker is shutting down. */
    public static ApiException unavailable(String message) {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "unavailable_error", message, null, null);
    }

    /** 500: the engine failed in a way that is not the caller's fault. */
    public static ApiException internal(String message, Throwable cause) {
        return new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", message, null, cause);
    }

    public HttpStatus status() {
        return status;
    }

    public ApiError body() {
        return ApiError.of(getMessage(), type, param);
    }
}
