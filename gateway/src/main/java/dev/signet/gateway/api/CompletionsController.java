package dev.signet.gateway.api;

import dev.signet.gateway.completion.ChatCompletionFormat;
import dev.signet.gateway.completion.CompletionService;
import dev.signet.gateway.completion.TextCompletionFormat;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * OpenAI's {@code POST /v1/completions} and {@code POST /v1/chat/completions}. The body is read as text and checked by
 * the gateway itself, so that malformed JSON and bad parameters are OpenAI's 400s naming the parameter.
 */
@RestController
public class CompletionsController {
    private static final TextCompletionFormat TEXT = new TextCompletionFormat();
    private static final ChatCompletionFormat CHAT = new ChatCompletionFormat();

    private final CompletionService completions;

    public CompletionsController(CompletionService completions) {
        this.completions = completions;
    }

    @PostMapping("/v1/completions")
    public Mono<ResponseEntity<Flux<DataBuffer>>> completions(
            @RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization,
            @RequestBody(required = false) String body) {
        return completions.complete(authorization, body, TEXT);
    }

    @PostMapping("/v1/chat/completions")
    public Mono<ResponseEntity<Flux<DataBuffer>>> chatCompletions(
            @RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization,
            @RequestBody(required = false) String body) {
        return completions.complete(authorization, body, CHAT);
    }
}
