package dev.signet.registry.api;

import dev.signet.registry.storage.DuplicateEntryException;
import dev.signet.registry.storage.NoSuchEntryException;
import dev.signet.registry.storage.StorageUnavailableException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;

/** Every error of the registry's API as OpenAI's error JSON with the status that fits (docs/platform.md). */
@RestControllerAdvice
public class ApiExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ApiError> api(ApiException e) {
        return respond(e.status(), e.body());
    }

    @ExceptionHandler(NoSuchEntryException.class)
    ResponseEntity<ApiError> notFound(NoSuchEntryException e) {
        String param = switch (e.kind()) {
            case TENANT -> "tenant";
            case KEY -> "key_id";
            case MODEL -> "model";
        };
        return respond(HttpStatus.NOT_FOUND, ApiError.of(e.getMessage(), "not_found_error", param, e.kind().singular() + "_not_found"));
    }

    @ExceptionHandler(DuplicateEntryException.class)
    ResponseEntity<ApiError> conflict(DuplicateEntryException e) {
        return respond(HttpStatus.CONFLICT, ApiError.of(e.getMessage(), "conflict_error", "id", "already_exists"));
    }

    @ExceptionHandler(StorageUnavailableException.class)
    ResponseEntity<ApiError> unavailable(StorageUnavailableException e) {
        log.warn("storage unavailable: {}", e.getMessage(), e.getCause());
        return respond(HttpStatus.SERVICE_UNAVAILABLE, ApiError.of("the registry's storage failed, nothing was changed; retry: "
                + e.getMessage(), "unavailable_error", null, "storage_unavailable"));
    }

    /**
     * WebFlux's own refusals: a body that is not JSON or has an unknown field (Jackson's message names it), a method
     * or content type the endpoint does not take.
     */
    @ExceptionHandler(ResponseStatusException.class)
    ResponseEntity<ApiError> webflux(ResponseStatusException e) {
        Throwable detail = e.getMostSpecificCause();
        String reason = Objects.requireNonNullElse(e.getReason(), e.getStatusCode().toString());
        String message = detail == e || detail.getMessage() == null ? reason : reason + ": " + detail.getMessage();
        boolean callersFault = e.getStatusCode().is4xxClientError();
        return respond(e.getStatusCode(), ApiError.of(message, callersFault ? "invalid_request_error" : "server_error", null, null));
    }

    private static ResponseEntity<ApiError> respond(HttpStatusCode status, ApiError body) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
    }
}
