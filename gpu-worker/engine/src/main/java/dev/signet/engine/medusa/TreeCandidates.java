package dev.signet.engine.medusa;

import java.util.Arrays;

/**
 * Puts tokens on a {@link MedusaTree}: the root holds the token just sampled from the model, a node at depth d
 * the token of its rank among head d − 1's top-k, as Medusa's {@code generate_candidates} does with
 * {@code tree_indices}. A head's guesses do not depend on the path above them (every head reads the same last
 * hidden state), so siblings under different parents repeat the same tokens.
 */
public final class TreeCandidates {
    private TreeCandidates() {
    }

    /**
     * The token of every node ({@code tokens[0]} = {@code rootToken}) from each head's ranked guesses:
     * {@code headTopK[h][r]} is head h's rank-r token.
     */
    public static int[] fill(MedusaTree tree, int rootToken, int[][] headTopK) {
        if (headTopK.length < tree.maxDepth()) {
            throw new IllegalArgumentException("the tree is " + tree.maxDepth() + " deep but guesses came from only "
                    + headTopK.length + " heads");
        }
        int[] tokens = new int[tree.size()];
        tokens[0] = rootToken;
        for (int i = 1; i < tokens.length; i++) {
            int[] guesses = headTopK[tree.depth(i) - 1];
            if (tree.rank(i) >= guesses.length) {
                throw new IllegalArgumentException("node " + i + " " + tree.ranksTo(i) + " needs rank " + tree.rank(i)
                        + " of head " + (tree.depth(i) - 1) + ", which gave only its top " + guesses.length);
            }
            tokens[i] = guesses[tree.rank(i)];
        }
        return tokens;
    }

    /**
     * The token of every node from the heads' logits, {@code headLogits[offset + h * vocab + t]} for head h and
     * token t ({@code heads} rows of {@code vocab}); each head contributes the top-k the tree needs of it.
     */
    public static int[] fromHeadLogits(MedusaTree tree, int rootToken, float[] headLogits, int offset, int heads, int vocab) {
        if (heads < tree.maxDepth()) {
            throw new IllegalArgumentException("the tree is " + tree.maxDepth() + " deep but the model has only "
                    + heads + " Medusa heads");
        }
        int[][] topK = new int[tree.maxDepth()][];
        for (int h = 0; h < topK.length; h++) {
            topK[h] = topK(headLogits, offset + h * vocab, vocab, tree.maxRank(h + 1) + 1);
        }
        return fill(tree, rootToken, topK);
    }

    /**
     * Ids of the {@code k} largest of {@code logits[offset .. offset + vocab)}, largest first, the lower id first on
     * ties. O(vocab · k) at worst, O(vocab) in practice: a value enters only if it beats the k-th best so far.
     */
    public static int[] topK(float[] logits, int offset, int vocab, int k) {
        if (k < 0 || k > vocab) {
            throw new IllegalArgumentException("top-k must be in [0, " + vocab + "], got " + k);
        }
        int[] ids = new int[k];
        float[] values = new float[k];
        Arrays.fill(ids, -1);
        Arrays.fill(values, Float.NEGATIVE_INFINITY);
        for (int t = 0; t < vocab && k > 0; t++) {
            float v = logits[offset + t];
            if (!(v > values[k - 1])) {
                continue;  // also skips NaN
            }
            int at = k - 1;
            while (at > 0 && v > values[at - 1]) {
                values[at] = values[at - 1];
                ids[at] = ids[at - 1];
                at--;
            }
            values[at] = v;
            ids[at] = t;
        }
        for (int r = 0; r < k; r++) {
            if (ids[r] < 0 || !Float.isFinite(values[r])) {
                throw new IllegalStateException("head logits at offset " + offset + " have no finite rank-" + r
                        + " value: the model produced NaN or infinity");
            }
        }
        return ids;
    }
}
