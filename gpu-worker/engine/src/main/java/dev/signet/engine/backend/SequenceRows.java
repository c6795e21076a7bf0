package dev.signet.engine.backend;

/**
 * The rows one sequence contributes to a step: {@code rowCount} consecutive batch rows from {@code firstRow},
 * continuing a cache of {@code startPosition} positions whose KV slots are found through {@code blockTable}
 * (position p lives in slot {@code blockTable[p / blockSize] * blockSize + p % blockSize}). Every row attends to
 * all cached positions. Within the chunk, rows form a chain (each attends to the rows before it) unless
 * {@code parents} is given: then they form a tree, as Medusa's candidates do, and row i attends only to itself
 * and its ancestors. {@code parents[i]} is the chunk row of its parent ({@code < i}), or -1 for a row that
 * continues the cached prefix directly. A row's position (its RoPE angle) is {@code startPosition + depth}; its
 * key and value go to the slot of position {@code startPosition + i}, so a tree fills the same slots a chain of
 * the same length would, and an accepted path is compacted afterwards.
 */
public record SequenceRows(int firstRow, int rowCount, int startPosition, int[] blockTable, int[] parents) {
    public SequenceRows {
        if (parents != null) {
            if (parents.length != rowCount) {
                throw new IllegalArgumentException("a tree of " + rowCount + " rows needs " + rowCount + " parents, got " + parents.length);
            }
            for (int i = 0; i < rowCount; i++) {
                if (parents[i] < -1 || parents[i] >= i) {
                    throw new IllegalArgumentException("tree row " + i + " has parent " + parents[i]
                            + ": a parent must be an earlier row of the chunk, or -1 for the cached prefix");
                }
            }
        }
    }

    /** A chain: every row attends to all rows before it. */
    public SequenceRows(int firstRow, int rowCount, int startPosition, int[] blockTable) {
        this(firstRow, rowCount, startPosition, blockTable, null);
    }

    public boolean isTree() {
        return parents != null;
    }

    /** Chunk row i's depth: its distance from the cached prefix, minus one (a chain's row i has depth i). */
    public int depth(int i) {
        if (parents == null) {
            return i;
        }
        int d = 0;
        for (int p = parents[i]; p >= 0; p = parents[p]) {
            d++;
        }
        return d;
    }

    /** Chunk row i's position in its sequence. */
    public int position(int i) {
        return startPosition + depth(i);
    }

    /** Positions whose slots row i reads, in position order: the cache and chunk rows 0..i (some hidden in a tree). */
    public int keyCount(int i) {
        return startPosition + i + 1;
    }

    /** Whether row i must not see chunk row j (j <= i): in a tree, j is neither i nor one of its ancestors. */
    public boolean hides(int i, int j) {
        if (parents == null || j == i) {
            return false;
        }
        for (int p = parents[i]; p >= j; p = parents[p]) {
            if (p == j) {
                return false;
            }
        }
        return true;
    }
}
