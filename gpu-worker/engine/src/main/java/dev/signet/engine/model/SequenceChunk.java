package dev.signet.engine.model;

import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.sampling.RowSampling;

/**
 * Tokens of one sequence to run in a step, continuing at the sequence's cached length: a whole prompt, a
 * piece of a long prompt, one decode token, or a tree of candidate tokens ({@code parents}, see
 * {@link dev.signet.engine.backend.SequenceRows}; null for a chain). {@code allLogits} asks for every row's logits
 * (perplexity, tree verification); otherwise only the last row's are computed. {@code delta} is the tenant model
 * the sequence runs under, null for the plain base; a sequence keeps one delta for its whole life, since its cache
 * was computed with it. {@code sampling}, when set, has the backend pick the last row's token
 * ({@link dev.signet.engine.backend.Backend#sample}) instead of returning its logits: the decode path on a GPU.
 */
public record SequenceChunk(KvSequence sequence, int[] tokens, boolean allLogits, ResidentDelta delta, int[] parents,
                            RowSampling sampling) {
    public SequenceChunk {
        if (sampling != null && (allLogits || parents != null)) {
            throw new IllegalArgumentException("only a chain's last row can be sampled by the backend");
        }
        if (tokens.length == 0) {
            throw new IllegalArgumentException("a chunk needs at least one token");
        }
        if (parents != null && parents.length != tokens.length) {
            throw new IllegalArgumentException("a tree of " + tokens.length + " tokens needs as many parents, got " + parents.length);
        }
    }

    public SequenceChunk(KvSequence sequence, int[] tokens, boolean allLogits, ResidentDelta delta, int[] parents) {
        this(sequence, tokens, allLogits, delta, parents, null);
    }

    public SequenceChunk(KvSequence sequence, int[] tokens, boolean allLogits, ResidentDelta delta) {
        this(sequence, tokens, allLogits, delta, null, null);
    }

    public SequenceChunk(KvSequence sequence, int[] tokens, boolean allLogits) {
        this(sequence, tokens, allLogits, null, null, null);
    }

    public static SequenceChunk last(KvSequence sequence, int... tokens) {
        return new SequenceChunk(sequence, tokens, false, null, null, null);
    }

    /** A chain whose last row's token the backend picks with {@code sampling} (null: its logits come back). */
    public static SequenceChunk sampled(KvSequence sequence, int[] tokens, ResidentDelta delta, RowSampling sampling) {
        return new SequenceChunk(sequence, tokens, false, delta, null, sampling);
    }

    int logitRows() {
        return allLogits ? tokens.length : 1;
    }
}
