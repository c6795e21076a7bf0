package dev.signet.gateway.worker;

import dev.signet.gateway.openai.OpenAiException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs a request on the first of its candidate workers and, when that one fails before its first token (unreachable,
 * a 5xx, an {@code error} event), once more on the next: at most {@value #MAX_ATTEMPTS} attempts. A failure after the
 * first token cannot be retried without repeating text the client has seen, so it ends the stream. Failures reach the
 * caller as {@link OpenAiException}s: the worker's 400 (the request's fault) as a 400, exhausted attempts as a 503, a
 * failure mid-stream as a 500.
 */
public final class FailoverGenerator {
    public static final int MAX_ATTEMPTS = 2;
    private static final Logger log = LoggerFactory.getLogger(FailoverGenerator.class);

    private final WorkerClient client;
    private final JsonMapper json;

    public FailoverGenerator(WorkerClient client, JsonMapper json) {
        this.client = client;
        this.json = json;
    }

    /** The request's events (start, tokens, finish) from the first candidate that serves it. */
    public Flux<WorkerEvent> generate(List<String> candidates, WorkerRequest request) {
        if (candidates.isEmpty()) {
            return Flux.error(OpenAiException.unavailable("No worker is available to serve the request; try again shortly.", null));
        }
        return attempt(candidates, 0, request, new ArrayList<>());
    }

    private Flux<WorkerEvent> attempt(List<String> candidates, int i, WorkerRequest request, List<String> failures) {
        String address = candidates.get(i);
        AtomicBoolean tokenSent = new AtomicBoolean();
        return client.generate(address, request)
                .<WorkerEvent>handle((event, sink) -> {
                    if (event.isError()) {
                        sink.error(WorkerFailure.event(address, event.kind(), event.message()));
                        return;
                    }
                    if (event.isToken()) {
                        tokenSent.set(true);
                    }
                    sink.next(event);
                })
                .onErrorResume(WorkerFailure.class, failure -> {
                    if (tokenSent.get()) {
                        return Flux.error(OpenAiException.internal("The worker failed while generating: " + failure.getMessage(), failure));
                    }
                    if (!failure.retryable()) {
                        return Flux.error(requestFault(failure));
                    }
                    failures.add(failure.getMessage());
                    if (i + 1 < Math.min(candidates.size(), MAX_ATTEMPTS)) {
                        log.info("request {}: {}; retrying on {}", request.requestId(), failure.getMessage(), candidates.get(i + 1));
                        return attempt(candidates, i + 1, request, failures);
                    }
                    return Flux.error(OpenAiException.unavailable("No worker could serve the request: " + String.join("; ", failures),
                            failure));
                });
    }

    /** A worker's 4xx: its OpenAI error names the parameter at fault in the worker's terms (prompt, messages, max_tokens...). */
    private OpenAiException requestFault(WorkerFailure failure) {
        String message = failure.body();
        String param = null;
        try {
            JsonNode error = json.readTree(failure.body()).path("error");
            message = error.path("message").asString(message);
            param = error.path("param").asString(null);
        } catch (RuntimeException notJson) {
            // keep the raw body as the message
        }
        return OpenAiException.invalid(param, message);
    }
}
