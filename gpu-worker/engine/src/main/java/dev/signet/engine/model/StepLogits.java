package dev.signet.engine.model;

import java.util.Arrays;

/**
 * The logits a step produced, on the host: for each chunk, its last row (or all rows when it asked), each
 * {@code vocab} floats. {@code chunkStart[c]} is chunk c's first row in {@code values}. {@code hidden} holds the
 * same rows' final hidden states, {@code dim} floats each, after the final norm (what the classifier and Medusa's
 * heads read).
 */
public record StepLogits(int vocab, float[] values, int[] chunkStart, int[] chunkRows, int dim, float[] hidden) {

    /** Chunk c's row i (its last row is {@code rows(c) - 1}) as a copy. */
    public float[] row(int chunk, int i) {
        int at = (chunkStart[chunk] + i) * vocab;
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
        return (chunkStart[chunk] + i) * vocab;
    }
}
