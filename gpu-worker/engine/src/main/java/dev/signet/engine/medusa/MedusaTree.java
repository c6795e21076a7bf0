package dev.signet.engine.medusa;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of the candidate tree Medusa verifies in one step (Cai et al. 2024, "Medusa: Simple LLM Inference
 * Acceleration Framework with Multiple Decoding Heads", tree attention). Node 0, the root, is the token just
 * sampled from the model (depth 0); a node at depth d ≥ 1 holds the token of top-k rank
 * {@link #rank} among the predictions of head d − 1 (head 0 guesses the token after the root). The tree is given
 * by a <em>choice list</em> in the format of Medusa's {@code medusa_choices.py}: one path of ranks per node, e.g.
 * {@code [0, 1]} = "head 0's top-1, then head 1's top-2". Nodes are numbered as Medusa's
 * {@code generate_medusa_buffers} numbers them (paths sorted by length, then by rank lexicographically), so
 * {@code parent(i) < i}, the children of a node are consecutive and in rank order, and the tree's rows line up
 * with Medusa's {@code tree_indices}. The tree's tokens run as extra rows of a batch at positions
 * {@code depth(i)} past the sequence, each row attending to its ancestors and itself only ({@link #attends}).
 * Immutable.
 */
public final class MedusaTree {
    /** Rows a tree may add to a batch; far beyond any useful Medusa tree (Medusa's largest have 64 nodes). */
    public static final int MAX_NODES = 4096;

    /**
     * {@code mc_sim_7b_63} from Medusa's {@code medusa/model/medusa_choices.py} (FasterDecoding/Medusa, the default
     * {@code medusa_choices} of its {@code generate}): 63 paths, 64 nodes with the root, depth 4, top-10 at the
     * first three heads. Medusa built it greedily by simulated acceptance on Vicuna-7B, so the list runs in order
     * of expected gain and every prefix of it is a tree: {@link #sizedTo} keeps its best part.
     */
    public static final List<List<Integer>> MC_SIM_7B_63 = List.of(
            List.of(0), List.of(0, 0), List.of(1), List.of(0, 1), List.of(2), List.of(0, 0, 0), List.of(1, 0),
            List.of(0, 2), List.of(3), List.of(0, 3), List.of(4), List.of(0, 4), List.of(2, 0), List.of(0, 5),
            List.of(0, 0, 1), List.of(5), List.of(0, 6), List.of(6), List.of(0, 7), List.of(0, 1, 0), List.of(1, 1),
            List.of(7), List.of(0, 8), List.of(0, 0, 2), List.of(3, 0), List.of(0, 9), List.of(8), List.of(9),
            List.of(1, 0, 0), List.of(0, 2, 0), List.of(1, 2), List.of(0, 0, 3), List.of(4, 0), List.of(2, 1),
            List.of(0, 0, 4), List.of(0, 0, 5), List.of(0, 0, 0, 0), List.of(0, 1, 1), List.of(0, 0, 6),
            List.of(0, 3, 0), List.of(5, 0), List.of(1, 3), List.of(0, 0, 7), List.of(0, 0, 8), List.of(0, 0, 9),
            List.of(6, 0), List.of(0, 4, 0), List.of(1, 4), List.of(7, 0), List.of(0, 1, 2), List.of(2, 0, 0),
            List.of(3, 1), List.of(2, 2), List.of(8, 0), List.of(0, 5, 0), List.of(1, 5), List.of(1, 0, 1),
            List.of(0, 2, 1), List.of(9, 0), List.of(0, 6, 0), List.of(0, 0, 0, 1), List.of(1, 6), List.of(0, 7, 0));

    /** The choice list in priority order: every prefix of it is itself a tree (see {@link #sizedTo}). */
    private final List<List<Integer>> choices;
    private final int[] parent;      // (nodes) -1 for the root
    private final int[] depth;       // (nodes)
    private final int[] rank;        // (nodes) top-k rank at its depth; 0 for the root
    private final int[] firstChild;  // (nodes) children are firstChild[i] .. firstChild[i] + childCount[i] - 1
    private final int[] childCount;  // (nodes)
    private final int[] maxRank;     // (maxDepth + 1) largest rank per depth; maxRank[0] = 0, the root

    private MedusaTree(List<List<Integer>> prioritised) {
        this.choices = prioritised;
        List<List<Integer>> nodes = new ArrayList<>(prioritised.size() + 1);
        nodes.add(List.of());
        nodes.addAll(prioritised);
        nodes.sort(Comparator.<List<Integer>>comparingInt(List::size).thenComparing(MedusaTree::compareRanks));
        int n = nodes.size();
        Map<List<Integer>, Integer> index = new HashMap<>();
        parent = new int[n];
        depth = new int[n];
        rank = new int[n];
        firstChild = new int[n];
        childCount = new int[n];
        int deepest = nodes.get(n - 1).size();
        maxRank = new int[deepest + 1];
        for (int i = 0; i < n; i++) {
            List<Integer> path = nodes.get(i);
            index.put(path, i);
            depth[i] = path.size();
            if (i == 0) {
                parent[i] = -1;
                continue;
            }
            rank[i] = path.getLast();
            parent[i] = index.get(path.subList(0, path.size() - 1));
            if (childCount[parent[i]]++ == 0) {
                firstChild[parent[i]] = i;
            }
            maxRank[depth[i]] = Math.max(maxRank[depth[i]], rank[i]);
        }
    }

    /**
     * Medusa's default tree for a model with {@code heads} heads: {@link #MC_SIM_7B_63}'s paths no deeper than the
     * heads reach, in its order (a path's prefixes are shorter, so the cut list is still a tree).
     */
    public static MedusaTree standard(int heads) {
        return fromChoices(MC_SIM_7B_63.stream().filter(path -> path.size() <= heads).toList(), heads);
    }

    /**
     * A tree from a choice list (Medusa's format) for a model with {@code heads} Medusa heads. Each path must be
     * non-empty, its ranks ≥ 0, its length ≤ {@code heads}, every proper prefix of it must be in the list too,
     * and no path may repeat. The list's order is its priority for {@link #sizedTo}.
     */
    public static MedusaTree fromChoices(List<? extends List<Integer>> choices, int heads) {
        if (heads < 0) {
            throw new IllegalArgumentException("a model has >= 0 Medusa heads, got " + heads);
        }
        if (choices.size() + 1 > MAX_NODES) {
            throw new IllegalArgumentException("choice list has " + choices.size() + " paths; a tree holds at most "
                    + (MAX_NODES - 1) + " besides the root");
        }
        Map<List<Integer>, Integer> position = new HashMap<>();
        for (int i = 0; i < choices.size(); i++) {
            List<Integer> path = choices.get(i);
            String where = "choice list path #" + i + " " + path;
            if (path.isEmpty()) {
                throw new IllegalArgumentException(where + " is empty: the root is implicit, list only the nodes below it");
            }
            if (path.size() > heads) {
                throw new IllegalArgumentException(where + " has depth " + path.size() + " but the model has only "
                        + heads + " Medusa heads (one per depth)");
            }
            for (int r : path) {
                if (r < 0) {
                    throw new IllegalArgumentException(where + " has a negative top-k rank " + r);
                }
            }
            Integer earlier = position.putIfAbsent(List.copyOf(path), i);
            if (earlier != null) {
                throw new IllegalArgumentException(where + " repeats path #" + earlier);
            }
        }
        for (int i = 0; i < choices.size(); i++) {
            List<Integer> path = choices.get(i);
            for (int len = 1; len < path.size(); len++) {
                if (!position.containsKey(path.subList(0, len))) {
                    throw new IllegalArgumentException("choice list path #" + i + " " + path + " lacks its prefix "
                            + path.subList(0, len) + ": every prefix of a path must be listed, so the nodes form a tree");
                }
            }
        }
        return new MedusaTree(prioritise(choices, position));
    }

    /**
     * A full tree: every node down to {@code depthPerHead.length} has {@code depthPerHead[d]} children, the
     * top-k of head d; Medusa's legacy {@code medusa_choices=[1, 7, 6]} (the root, then top-7, then top-6) is
     * {@code cartesian(7, 6)}. Nodes are prioritised breadth first, so {@link #sizedTo} keeps the upper levels.
     */
    public static MedusaTree cartesian(int... topKPerDepth) {
        long nodes = 1;
        long level = 1;
        for (int d = 0; d < topKPerDepth.length; d++) {
            if (topKPerDepth[d] < 1) {
                throw new IllegalArgumentException("top-k at depth " + (d + 1) + " must be >= 1, got " + topKPerDepth[d]);
            }
            level *= topKPerDepth[d];
            nodes += level;
            if (nodes > MAX_NODES) {
                throw new IllegalArgumentException("the tree " + Arrays.toString(topKPerDepth) + " has more than "
                        + MAX_NODES + " nodes");
            }
        }
        List<List<Integer>> paths = new ArrayList<>();
        List<List<Integer>> frontier = List.of(List.of());
        for (int k : topKPerDepth) {
            List<List<Integer>> next = new ArrayList<>();
            for (List<Integer> path : frontier) {
                for (int r = 0; r < k; r++) {
                    List<Integer> child = new ArrayList<>(path);
                    child.add(r);
                    next.add(List.copyOf(child));
                }
            }
            paths.addAll(next);
            frontier = next;
        }
        return fromChoices(paths, topKPerDepth.length);
    }

    /** The full tree with {@code k} children per node, {@code depth} levels below the root. */
    public static MedusaTree topK(int k, int depth) {
        if (depth < 0) {
            throw new IllegalArgumentException("depth must be >= 0, got " + depth);
        }
        int[] ks = new int[depth];
        Arrays.fill(ks, k);
        return cartesian(ks);
    }

    /** Each head's top-1 only: a chain of {@code depth} guesses below the root (plain decoding when 0). */
    public static MedusaTree chain(int depth) {
        return topK(1, depth);
    }

    /**
     * The first {@code maxNodes} nodes (root included) in priority order: the first {@code maxNodes - 1} paths of
     * the choice list, which always form a tree. The scheduler shrinks trees this way under load; one node is
     * plain decoding.
     */
    public MedusaTree sizedTo(int maxNodes) {
        if (maxNodes < 1) {
            throw new IllegalArgumentException("a tree keeps at least its root: maxNodes must be >= 1, got " + maxNodes);
        }
        return maxNodes >= size() ? this : new MedusaTree(choices.subList(0, maxNodes - 1));
    }

    /** Nodes, root included: the rows this tree adds to a batch. */
    public int size() {
        return parent.length;
    }

    /** The parent's index, always below {@code i}; -1 for the root. */
    public int parent(int i) {
        return parent[i];
    }

    /** Every node's parent, -1 for the root: the chunk's {@code parents} when the tree runs as rows of a step. */
    public int[] parents() {
        return parent.clone();
    }

    /** Distance from the root: the node's position past the sequence, and 1 + the head that guessed it. */
    public int depth(int i) {
        return depth[i];
    }

    /** Top-k rank of the node's token among its head's predictions (0 = the head's argmax); 0 for the root. */
    public int rank(int i) {
        return rank[i];
    }

    /** The node's children, ascending (so in rank order). */
    public int[] children(int i) {
        int[] out = new int[childCount[i]];
        for (int c = 0; c < out.length; c++) {
            out[c] = firstChild[i] + c;
        }
        return out;
    }

    public int childCount(int i) {
        return childCount[i];
    }

    /** Depth of the deepest node: the number of Medusa heads this tree needs. */
    public int maxDepth() {
        return maxRank.length - 1;
    }

    /**
     * Largest top-k rank used at {@code depth} (1 .. {@link #maxDepth}): head {@code depth - 1} must supply its
     * top {@code maxRank(depth) + 1} tokens.
     */
    public int maxRank(int depth) {
        if (depth < 1 || depth > maxDepth()) {
            throw new IllegalArgumentException("depth must be in [1, " + maxDepth() + "], got " + depth);
        }
        return maxRank[depth];
    }

    /** Node indices from the root down to {@code i}, both included. */
    public int[] pathTo(int i) {
        int[] path = new int[depth[i] + 1];
        for (int n = i, d = depth[i]; n >= 0; n = parent[n], d--) {
            path[d] = n;
        }
        return path;
    }

    /** Tree attention: row {@code row} sees {@code column} iff the column is the row itself or one of its ancestors. */
    public boolean attends(int row, int column) {
        if (column > row) {
            return false;
        }
        int n = row;
        while (n > column) {
            n = parent[n];
        }
        return n == column;
    }

    /** The rank path of node {@code i} (empty for the root), as in a choice list. */
    public List<Integer> ranksTo(int i) {
        Integer[] ranks = new Integer[depth[i]];
        for (int n = i; n > 0; n = parent[n]) {
            ranks[depth[n] - 1] = rank[n];
        }
        return List.of(ranks);
    }

    /** The choice list in priority order: the list given, except that a path listed before its prefix follows it. */
    public List<List<Integer>> choices() {
        return choices;
    }

    /** Checks that {@code tokens} and the logits rows {@code logits[offset + i * vocab ..]} cover every node. */
    void requireRows(int[] tokens, float[] logits, int offset, int vocab) {
        if (tokens.length != size()) {
            throw new IllegalArgumentException("the tree has " + size() + " nodes but " + tokens.length + " tokens");
        }
        if (vocab < 1 || offset < 0 || offset + (long) size() * vocab > logits.length) {
            throw new IllegalArgumentException("logits of " + logits.length + " floats do not hold " + size()
                    + " rows of " + vocab + " from offset " + offset);
        }
    }

    @Override
    public String toString() {
        return "MedusaTree[" + size() + " nodes, depth " + maxDepth() + "]";
    }

    /**
     * Orders the paths so that every prefix of the order is a tree, keeping the given order where it already is
     * one (as in all of Medusa's lists): a path ranks by the latest position among itself and its prefixes, then
     * by depth, then by its own position.
     */
    private static List<List<Integer>> prioritise(List<? extends List<Integer>> choices, Map<List<Integer>, Integer> position) {
        int n = choices.size();
        int[] latest = new int[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            List<Integer> path = choices.get(i);
            for (int len = 1; len <= path.size(); len++) {
                latest[i] = Math.max(latest[i], position.get(path.subList(0, len)));
            }
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> latest[i])
                .thenComparingInt(i -> choices.get(i).size())
                .thenComparingInt(i -> i));
        List<List<Integer>> out = new ArrayList<>(n);
        for (int i : order) {
            out.add(List.copyOf(choices.get(i)));
        }
        return List.copyOf(out);
    }

    private static int compareRanks(List<Integer> a, List<Integer> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Integer.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }
}
