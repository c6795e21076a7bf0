package dev.signet.worker.generate;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One event of a generation stream, as one NDJSON line or one SSE {@code data:} frame: {@code start} (the request's
 * id and prompt length), a {@code token} per generated token, then either {@code finish} or {@code error}.
 * docs/worker-api.md shows each.
 */
@JsonPropertyOrder("type")
public sealed interface GenerationEvent {
    @JsonProperty("type")
    String type();

    /** The request was queued; {@code promptTokens} counts the prompt's ids, BOS included. */
    record Start(String requestId, int promptTokens) implements GenerationEvent {
        @Override
        public String type() {
            return "start";
        }
    }

    /** A generated token and the text it completes ("" while a character or a possible stop string is incomplete). */
    record Token(int token, String text) implements GenerationEvent {
        @Override
        public String type() {
            return "token";
        }
    }

    /** The request ended normally: {@code stop} (a stop token or string) or {@code length} (max_tokens, or the context). */
    record Finish(String finishReason, int promptTokens, int completionTokens) implements GenerationEvent {
        @Override
        public String type() {
            return "finish";
        }
    }

    /** The request ended without finishing; {@code kind} is one of the engine's failure kinds, e.g. DELTA_UNAVAILABLE. */
    record Error(String kind, String message) implements GenerationEvent {
        @Override
        public String type() {
            return "error";
        }
    }
}
