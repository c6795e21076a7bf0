package dev.signet.worker.generate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.signet.engine.scheduler.SpeculationStats;

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

    /**
     * The request ended normally: {@code stop} (a stop token or string) or {@code length} (max_tokens, or the context);
     * {@code speculation} when it ran tree steps, else left out.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Finish(String finishReason, int promptTokens, int completionTokens, Speculation speculation) implements GenerationEvent {
        @Override
        public String type() {
            return "finish";
        }
    }

    /**
     * What Medusa speculation did for a request: tree steps ({@code drafts}), drafted tokens verified, drafted tokens
     * accepted, and the tokens each tree step yielded (accepted ones plus the model's own next token).
     */
    record Speculation(int drafts, int draftTokens, int acceptedTokens, int[] tokensPerStep) {
        /** The request's speculation, or null when it ran no tree step. */
        static Speculation of(SpeculationStats s) {
            return s == null || s.drafts() == 0 ? null : new Speculation(s.drafts(), s.draftTokens(), s.acceptedTokens(), s.tokensPerStep());
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
