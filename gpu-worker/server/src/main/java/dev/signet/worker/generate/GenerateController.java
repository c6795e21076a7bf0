package dev.signet.worker.generate;

import dev.signet.engine.scheduler.RequestHandle;
import dev.signet.engine.scheduler.ServeRequest;
import dev.signet.engine.tokenizer.ChatPrompt;
import dev.signet.engine.tokenizer.ChatTemplateException;
import dev.signet.worker.api.ApiException;
import dev.signet.worker.engine.LoadedEngine;
import dev.signet.worker.engine.WorkerEngine;
import dev.signet.worker.metrics.RequestMetrics;
import dev.signet.worker.metrics.WorkerMetrics;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/generate}: checks the body, tokenizes a text prompt (or a chat rendered with the model's template), submits the request to the scheduler and
 * streams its events as NDJSON, or as server-sent events when the Accept header asks for {@code text/event-stream}.
 * Nothing here blocks: the step thread produces the events and a cancelled response (the client went away)
 * cancels the request, which frees its KV blocks before the next step.
 */
@RestController
public class GenerateController {
    private final WorkerEngine engine;
    private final WorkerMetrics metrics;

    public GenerateController(WorkerEngine engine, WorkerMetrics metrics) {
        this.engine = engine;
        this.metrics = metrics;
    }

    @PostMapping("/v1/generate")
    public ResponseEntity<Flux<?>> generate(@RequestBody JsonNode body,
                                            @RequestHeader(value = HttpHeaders.ACCEPT, required = false) String accept) {
        GenerateRequest request = GenerateRequest.parse(body);
        LoadedEngine e = engine.require();
        int[] promptIds = promptIds(request, e);
        if (promptIds.length == 0) {
            throw ApiException.invalid(request.promptParam(), "the prompt has no tokens (this model's tokenizer adds no BOS)");
        }
        RequestMetrics recorder = metrics.request(request.tenant());
        TokenStream stream = new TokenStream(recorder, promptIds.length);
        stream.start(request.requestId());
        RequestHandle handle;
        try {
            handle = e.scheduler().submit(new ServeRequest(request.requestId(), request.tenant(), request.delta(), promptIds,
                    request.params(), stream));
        } catch (IllegalArgumentException refused) {
            metrics.rejected(request.tenant());
            throw ApiException.invalid(request.promptParam(), refused.getMessage());
        } catch (IllegalStateException shutDown) {
            throw ApiException.unavailable(shutDown.getMessage());
        }
        // Encoding and writing happen off the step thread; a cancelled response cancels the request.
        Flux<GenerationEvent> events = stream.events().publishOn(Schedulers.parallel()).doOnCancel(handle::cancel);
        if (wantsEventStream(accept)) {
            return ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM)
                    .body(events.map(event -> ServerSentEvent.builder(event).build()));
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_NDJSON).body(events);
    }

    /** The ids as given, the prompt tokenized, or the messages rendered with the model's chat template and tokenized. */
    private static int[] promptIds(GenerateRequest request, LoadedEngine e) {
        if (request.promptIds() != null) {
            return request.promptIds();
        }
        if (request.prompt() != null) {
            return e.checkpoint().promptIds(request.prompt());
        }
        ChatPrompt chat;
        try {
            chat = e.chatTemplate().render(request.messages());
        } catch (ChatTemplateException failed) {
            if (failed.kind() == ChatTemplateException.Kind.REJECTED_MESSAGES) {
                throw ApiException.invalid("messages", failed.getMessage());
            }
            throw ApiException.internal(failed.getMessage(), failed);
        }
        // A template that writes BOS itself gets no second one (see ChatTemplate#render).
        return chat.includesBos() ? e.checkpoint().tokenizer().encode(chat.text()) : e.checkpoint().promptIds(chat.text());
    }

    private static boolean wantsEventStream(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        List<MediaType> types = MediaType.parseMediaTypes(accept);
        return types.stream().anyMatch(t -> t.equalsTypeAndSubtype(MediaType.TEXT_EVENT_STREAM))
                && types.stream().noneMatch(t -> t.equalsTypeAndSubtype(MediaType.APPLICATION_NDJSON));
    }
}
