package dev.signet.engine.model;

import dev.signet.engine.kv.KvSequence;

/**
 * Tokens of one sequence to run in a step, continuing at the sequence's cached length: a whole prompt, a
 * piece of a long prompt, or one decode token. {@code allLogits} asks for every row's logits (perplexity);
 * otherwise only the last row's are computed. {@code delta} is the tenant model the sequence runs under,
 * null for the plain base; a sequence keeps one delta for its whole life, since its cache was computed
 * with it.
 */
public record SequenceChunk(KvSequence sequence, int[] tokens, boolean allLogits, ResidentDelta delta) {
    public SequenceChunk {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("a chunk needs at least one token");
        }
    }

    public SequenceChunk(KvSequence sequence, int[] tokens, boolean allLogits) {
        this(sequence, tokens, allLogits, null);
    }

    public static SequenceChunk last(KvSequence sequence, int... tokens) {
        return new SequenceChunk(sequence, tokens, false, null);
    }

    int logitRows() {
        return allLogits ? tokens.length : 1;
    }
}
