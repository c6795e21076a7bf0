package dev.signet.engine.model;

import dev.signet.engine.kv.KvSequence;

/**
 * Tokens of one sequence to run in a step, continuing at the sequence's cached length: a whole prompt, a
 * piece of a long prompt, or one decode token. {@code allLogits} asks for every row's logits (perplexity);
 * otherwise only the last row's are computed.
 */
public record SequenceChunk(KvSequence sequence, int[] tokens, boolean allLogits) {
    public SequenceChunk {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("a chunk needs at least one token");
        }
    }

    public static SequenceChunk last(KvSequence sequence, int... tokens) {
        return new SequenceChunk(sequence, tokens, false);
    }

    int logitRows() {
        return allLogits ? tokens.length : 1;
    }
}
