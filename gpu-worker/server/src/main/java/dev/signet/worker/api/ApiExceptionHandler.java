package dev.signet.worker.api;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;

/** Every error of the worker's API as OpenAI's error JSON, whatever the request's Accept header asked for. */
@RestControllerAdvice
public class ApiExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ApiError> api(ApiException e) {
        if (e.status().is5xxServerError()) {
            log.warn("{}: {}", e.status(), e.getMessage(), e.getCause());
        }
        return respond(e.status(), e.body());
    }

    /**
     * WebFlux's own refusals: a body that is not JSON, a query value of the wrong type (400, naming the parameter), a
     * content type or method the endpoint does not take.
     */
    @ExceptionHandler(ResponseStatusException.class)
    ResponseEntity<ApiError> webflux(ResponseStatusException e) {
        String param = null;
        if (e instanceof ServerWebInputException input && input.getMethodParameter() != null
                && !input.getMethodParameter().hasParameterAnnotation(RequestBody.class)) {
            param = input.getMethodParameter().getParameterName();
        }
        Throwable cause = e.getMostSpecificCause();
        String message = e.getReason() != null ? e.getReason() : e.getStatusCode().toString();
        if (cause != e && cause.getMessage() != null) {
            message += ": " + cause.getMessage();
        }
        HttpStatusCode status = e.getStatusCode();
        String type = status.is4xxClientError() ? "invalid_request_error" : "server_error";
        return respond(status, ApiError.of(message, type, param));
    }

    private static ResponseEntity<ApiError> respond(HttpStatusCode status, ApiError body) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
    }
}
