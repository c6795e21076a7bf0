package dev.signet.engine.bench;

import dev.signet.engine.backend.BatchLayout;
import dev.signet.engine.backend.SequenceRows;
import dev.signet.engine.medusa.MedusaTree;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The decode steps {@code signet bench gpu} times: {@code sequences} sequences, each continuing its own cache of
 * {@code kvLength - 1} positions with the rows of a Medusa tree (a one-node tree is a plain decode row), over its
 * own KV blocks: sequence s owns blocks [s·B, (s+1)·B) and its rows [s·n, (s+1)·n) for a tree of n nodes. Tree rows
 * carry their parents, so attention applies the tree mask, and sit at their depth's position.
 */
public record TreeBatch(int sequences, MedusaTree tree, int kvLength, int blockSize) {
    public TreeBatch {
        if (sequences < 1 || kvLength < 1 || blockSize < 1) {
            throw new IllegalArgumentException("sequences, KV length and block size must be positive: " + sequences + ", "
                    + kvLength + ", " + blockSize);
        }
    }

    /** Rows of the step: one tree per sequence. */
    public int rows() {
        return sequences * tree.size();
    }

    /** Blocks each sequence needs: its cache and every tree row's slot (position kvLength − 1 + i for row i). */
    public int blocksPerSequence() {
        return (kvLength - 1 + tree.size() + blockSize - 1) / blockSize;
    }

    /** KV slots of the whole batch. */
    public int slots() {
        return sequences * blocksPerSequence() * blockSize;
    }

    public BatchLayout layout() {
        int n = tree.size();
        int[] parents = n == 1 ? null : tree.parents();
        List<SequenceRows> seqs = new ArrayList<>();
        int[][] tokens = new int[sequences][];
        for (int s = 0; s < sequences; s++) {
            int[] table = new int[blocksPerSequence()];
            for (int b = 0; b < table.length; b++) {
                table[b] = s * table.length + b;
            }
            seqs.add(new SequenceRows(s * n, n, kvLength - 1, table, parents));
            tokens[s] = new int[n];
            Arrays.fill(tokens[s], 1);   // the step starts from activations: tokens are not read
        }
        return BatchLayout.of(blockSize, seqs, tokens);
    }
}
