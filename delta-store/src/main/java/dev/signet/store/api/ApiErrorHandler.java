package dev.signet.store.api;

import dev.signet.store.files.StoreJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Every error the store answers, from a controller or a filter (the admin credential check), as OpenAI's error JSON.
 * Ordered before Boot's own handler, which would answer in Boot's error shape.
 */
@Component
@Order(-2)
public class ApiErrorHandler implements WebExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(failure);
        }
        ApiException error = translate(failure);
        if (error.status().is5xxServerError()) {
            log.warn("{} {}: {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), error.getMessage(), failure);
        }
        response.setStatusCode(error.status());
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        if (error.status() == HttpStatus.UNAUTHORIZED) {
            response.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        byte[] body = StoreJson.bytes(error.body());
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }

    /** WebFlux's own refusals (a body that is not JSON, an unknown path, a method not allowed) keep their status. */
    private static ApiException translate(Throwable failure) {
        if (failure instanceof ApiException api) {
            return api;
        }
        if (failure instanceof ResponseStatusException e) {
            String param = null;
            if (e instanceof ServerWebInputException input && input.getMethodParameter() != null
                    && !input.getMethodParameter().hasParameterAnnotation(RequestBody.class)) {
                param = input.getMethodParameter().getParameterName();
            }
            String message = e.getReason() != null ? e.getReason() : e.getStatusCode().toString();
            Throwable cause = e.getMostSpecificCause();
            if (cause != e && cause.getMessage() != null) {
                message += ": " + cause.getMessage();
            }
            HttpStatus status = HttpStatus.resolve(e.getStatusCode().value());
            return ApiException.withStatus(status == null ? HttpStatus.BAD_REQUEST : status,
                    param == null ? "invalid_request" : "invalid_value", message);
        }
        return ApiException.internal("internal error: " + failure, failure);
    }
}
