package dev.signet.engine.model;

import java.util.Arrays;

/**
 * The logits a step produced, on the host: for each chunk, its last row (or all rows when it asked), each
 * {@code vocab} floats. {@code chunkStart[c]} is chunk c's first row in {@code values}.
 */
public record StepLogits(int vocab, float[] values, int[] chunkStart, int[] chunkRows) {

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

    /** Offset of chunk c's row i in {@link #values()}, for readers that avoid the copy. */
    public int offset(int chunk, int i) {
        return (chunkStart[chunk] + i) * vocab;
    }
}
