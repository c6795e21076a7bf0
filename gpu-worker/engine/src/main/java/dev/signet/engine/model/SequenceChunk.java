package dev.signet.engine.model;

import dev.signet.engine.kv.KvSequence;

/**
 * Tokens of one sequence to run in a step, continuing at the sequence's cached length: a whole prompt, a
 * piece of a long prompt, one decode token, or a tree of candidate tokens ({@code parents}, see
 * {@link dev.signet.engine.backend.SequenceRows}; null for a chain). {@code allLogits} asks for every row's logits
 * (perplexity, tree verification); otherwise only the last row's are computed. {@code delta} is the tenant model
 * the sequence runs under, null for the plain base; a sequence keeps one delta for its whole life, since its cache
 * was computed with it.
 */
public record SequenceChunk(KvSequence sequence, int[] tokens, boolean allLogits, ResidentDelta delta, int[] parents) {
    public SequenceChunk {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("a chunk needs at least one token");
        }
        if (parents != null && parents.length != tokens.length) {
            throw new IllegalArgumentException("a tree of " + tokens.length + " tokens needs as many parents, got " + parents.length);
        }
    }

    public SequenceChunk(KvSequence sequence, int[] tokens, boolean allLogits, ResidentDelta delta) {
        this(sequence, tokens, allLogits, delta, null);
    }

    public SequenceChunk(KvSequence sequence, int[] tokens, boolean allLogits) {
        this(sequence, tokens, allLogits, null, null);
    }

    public static SequenceChunk last(KvSequence sequence, int... tokens) {
        return new SequenceChunk(sequence, tokens, false, null, null);
    }

    int logitRows() {
        return allLogits ? tokens.length : 1;
    }
}
