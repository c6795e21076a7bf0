package dev.signet.gateway.openai;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Every error the gateway answers, as OpenAI's error JSON with its status: the gateway's own {@link OpenAiException}s
 * (from a handler, or from a streamed body that failed before its first byte), WebFlux's refusals (unknown path,
 * wrong method or content type) and anything unexpected (500, logged). Runs before Boot's error handler.
 */
@Component
@Order(-2)
public class OpenAiErrorHandler implements WebExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(OpenAiErrorHandler.class);

    private final JsonBodies bodies;

    public OpenAiErrorHandler(JsonBodies bodies) {
        this.bodies = bodies;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(ex);   // a stream that already began ends with its own error frame
        }
        OpenAiException error = translate(ex);
        if (error.status().is5xxServerError()) {
            log.warn("{} {}: {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), error.getMessage(),
                    error.getCause());
        }
        response.setStatusCode(error.status());
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        if (error.retryAfterSeconds() > 0) {
            response.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(error.retryAfterSeconds()));
        }
        return response.writeWith(Mono.just(bodies.buffer(error.body())));
    }

    /** The OpenAI error a failure is answered with. */
    public static OpenAiException translate(Throwable ex) {
        if (ex instanceof OpenAiException e) {
            return e;
        }
        if (ex instanceof ResponseStatusException e) {
            HttpStatusCode status = e.getStatusCode();
            String message = e.getReason() != null ? e.getReason() : status.toString();
            if (status.value() == HttpStatus.NOT_FOUND.value()) {
                return OpenAiException.client(HttpStatus.NOT_FOUND, "Unknown request URL: " + e.getMessage());
            }
            if (status.is4xxClientError()) {
                return OpenAiException.client(HttpStatus.valueOf(status.value()), message);
            }
            return OpenAiException.internal(message, e);
        }
        return OpenAiException.internal("The server had an error while processing your request: " + ex, ex);
    }
}
