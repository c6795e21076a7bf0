package dev.signet.store.api;

import org.springframework.http.HttpStatus;

/**
 * A request the store answers with an error status and OpenAI's error JSON: the status, the error's {@code type}, a
 * machine-readable {@code code} (e.g. {@code chunk_checksum_mismatch}, {@code gate_failed}), the message, and the
 * request parameter at fault ({@code param}; null when the fault is not one parameter's).
 */
public final class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final String code;
    private final String param;

    private ApiException(HttpStatus status, String type, String code, String message, String param, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    /** 400: a parameter is missing, malformed or out of range. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", "invalid_value", message, param, null);
    }

    /** 400 with a code of its own (e.g. {@code upload_incomplete}). */
    public static ApiException invalid(String code, String param, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", code, message, param, null);
    }

    /** 401: no admin credential, or the wrong one. */
    public static ApiException unauthorized(String message) {
        return new ApiException(HttpStatus.UNAUTHORIZED, "authentication_error", "invalid_credential", message, null, null);
    }

    /** 404: the upload, job or artifact asked for does not exist. */
    public static ApiException notFound(String param, String message) {
        return new ApiException(HttpStatus.NOT_FOUND, "not_found_error", "not_found", message, param, null);
    }

    /** 409: the request conflicts with the store's state (a gate that failed, a chunk already received otherwise). */
    public static ApiException conflict(String code, String message) {
        return new ApiException(HttpStatus.CONFLICT, "conflict_error", code, message, null, null);
    }

    /** 413: more bytes than the upload declared. */
    public static ApiException tooLarge(String param, String message) {
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "invalid_request_error", "too_large", message, param, null);
    }

    /** 422: well-formed, but the bytes are wrong (a checksum) or the artifact fails one of the engine's checks. */
    public static ApiException unprocessable(String code, String message, Throwable cause) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "invalid_request_error", code, message, null, cause);
    }

    /** 503: a service the store depends on (the registry) cannot be reached or answered with an error of its own. */
    public static ApiException unavailable(String code, String message, Throwable cause) {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "unavailable_error", code, message, null, cause);
    }

    /** Any status, for passing on an answer of the registry. */
    public static ApiException withStatus(HttpStatus status, String code, String message) {
        String type = status.is4xxClientError() ? "invalid_request_error" : "server_error";
        return new ApiException(status, type, code, message, null, null);
    }

    /** 500: the store failed in a way that is not the caller's fault (a disk error). */
    public static ApiException internal(String message, Throwable cause) {
        return new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", "internal_error", message, null, cause);
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    public ApiError body() {
        return ApiError.of(getMessage(), type, param, code);
    }
}
