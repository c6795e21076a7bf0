package dev.signet.engine.medusa;

import java.util.Arrays;

/**
 * What one verification step keeps: the accepted tree nodes from the root down ({@code nodes[0] = 0}), and the
 * bonus token the model gives after the last of them. The step emits the accepted nodes' tokens below the root,
 * then the bonus: {@code nodes.length} new tokens, at least one. The KV rows of the accepted nodes are the ones
 * to keep.
 */
public record AcceptedPath(int[] nodes, int bonusToken) {
    public AcceptedPath {
        if (nodes.length == 0 || nodes[0] != 0) {
            throw new IllegalArgumentException("an accepted path starts at the root, node 0: " + Arrays.toString(nodes));
        }
        nodes = nodes.clone();
    }

    /** The last accepted node: the new root's parent, whose row gave the bonus token. */
    public int lastNode() {
        return nodes[nodes.length - 1];
    }

    /** Tokens below the root this step accepted from the tree. */
    public int acceptedDrafts() {
        return nodes.length - 1;
    }

    /** The new tokens in order: the accepted nodes' tokens below the root, then the bonus token. */
    public int[] emitted(int[] treeTokens) {
        int[] out = new int[nodes.length];
        for (int i = 1; i < nodes.length; i++) {
            out[i - 1] = treeTokens[nodes[i]];
        }
        out[nodes.length - 1] = bonusToken;
        return out;
    }

    @Override
    public int[] nodes() {
        return nodes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AcceptedPath p && p.bonusToken == bonusToken && Arrays.equals(p.nodes, nodes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(nodes) + bonusToken;
    }

    @Override
    public String toString() {
        return "AcceptedPath[nodes=" + Arrays.toString(nodes) + ", bonusToken=" + bonusToken + "]";
    }
}
