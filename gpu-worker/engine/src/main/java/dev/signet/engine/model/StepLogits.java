package dev.signet.engine.model;

import java.util.Arrays;

/**
 * What a step produced, on the host: for each chunk, its last row's logits (or all rows' when it asked), each
 * {@code vocab} floats, or, for a chunk the backend sampled, just that row's token. {@code chunkStart[c]} is chunk c's
 * first row in {@code hidden}, which holds every chunk's rows' final hidden states, {@code dim} floats each, after the
 * final norm (what the classifier and Medusa's heads read). {@code logitStart[c]} is its first row in {@code values},
 * -1 when sampled; {@code sampled[c]} its token, -1 when its logits came back.
 */
public record StepLogits(int vocab, float[] values, int[] chunkStart, int[] chunkRows, int dim, float[] hidden,
                         int[] logitStart, int[] sampled) {

    /** Chunk c's row i (its last row is {@code rows(c) - 1}) as a copy. */
    public float[] row(int chunk, int i) {
        int at = offset(chunk, i);
        return Arrays.copyOfRange(values, at, at + vocab);
    }

    public float[] last(int chunk) {
        return row(chunk, chunkRows[chunk] - 1);
    }

    public int rows(int chunk) {
        return chunkRows[chunk];
    }

    /** Chunk c's row i's final hidden state, a copy of {@code dim} floats. */
    public float[] hidden(int chunk, int i) {
        int at = (chunkStart[chunk] + i) * dim;
        return Arrays.copyOfRange(hidden, at, at + dim);
    }

    /** Offset of chunk c's row i in {@link #values()}, for readers that avoid the copy. */
    public int offset(int chunk, int i) {
        if (logitStart[chunk] < 0) {
            throw new IllegalStateException("chunk " + chunk + " was sampled by the backend: its logits were not read back");
        }
        return (logitStart[chunk] + i) * vocab;
    }

    /** Whether the backend picked chunk c's token ({@link #token}) instead of returning its logits. */
    public boolean wasSampled(int chunk) {
        return sampled[chunk] >= 0;
    }

    /** The token the backend sampled for chunk c. */
    public int token(int chunk) {
        if (!wasSampled(chunk)) {
            throw new IllegalStateException("chunk " + chunk + " was not sampled by the backend: read its logits");
        }
        return sampled[chunk];
    }
}
