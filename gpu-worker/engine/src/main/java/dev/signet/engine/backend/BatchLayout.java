package dev.signet.engine.backend;

import java.util.List;

/**
 * One forward step's batch: rows from many sequences (a prefill chunk is many rows, a decode is one), each
 * sequence with its own positions and KV blocks. {@code positions[r]} is row r's position in its sequence (for
 * a tree row, the cache length plus its depth); {@code slots[r]} the KV cache slot its key and value are written to.
 */
public record BatchLayout(int rows, int[] tokens, int[] positions, int[] slots, int blockSize, List<SequenceRows> sequences) {

    public BatchLayout {
        sequences = List.copyOf(sequences);
    }

    /** Builds the layout of the given sequences' chunks, rows in list order. */
    public static BatchLayout of(int blockSize, List<SequenceRows> sequences, int[][] tokensPerSequence) {
        int rows = sequences.stream().mapToInt(SequenceRows::rowCount).sum();
        int[] tokens = new int[rows];
        int[] positions = new int[rows];
        int[] slots = new int[rows];
        for (int s = 0; s < sequences.size(); s++) {
            SequenceRows seq = sequences.get(s);
            if (tokensPerSequence[s].length != seq.rowCount()) {
                throw new IllegalArgumentException("sequence " + s + " has " + seq.rowCount() + " rows but "
                        + tokensPerSequence[s].length + " tokens");
            }
            for (int i = 0; i < seq.rowCount(); i++) {
                int r = seq.firstRow() + i;
                int p = seq.startPosition() + i;   // the slot follows chunk order; a tree row's position is its depth's
                tokens[r] = tokensPerSequence[s][i];
                positions[r] = seq.position(i);
                slots[r] = seq.blockTable()[p / blockSize] * blockSize + p % blockSize;
            }
        }
        return new BatchLayout(rows, tokens, positions, slots, blockSize, sequences);
    }
}
