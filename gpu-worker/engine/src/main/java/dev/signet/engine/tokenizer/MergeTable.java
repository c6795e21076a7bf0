package dev.signet.engine.tokenizer;

import java.util.Arrays;

/**
 * The merge rules of a BPE vocabulary keyed by the ids of the two adjacent symbols: (left, right) →
 * (rank, merged id). A lower rank merges first; Hugging Face ranks are the merge's line in
 * {@code merges}, SentencePiece ranks order the merged piece's score (equal scores share a rank).
 * Open addressing over primitive arrays, so looking up pairs while encoding allocates nothing.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private long[] keys;
    private int[] ranks;
    private int[] merged;
    private int mask;
    private int size;

    MergeTable(int expectedEntries) {
        int capacity = Integer.highestOneBit(Math.max(16, expectedEntries * 2 - 1)) << 1;
        allocate(capacity);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        ranks = new int[capacity];
        merged = new int[capacity];
        mask = capacity - 1;
        size = 0;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFF_FFFFL);
    }

    private static int hash(long key) {
        key ^= key >>> 33;
        key *= 0xff51afd7ed558ccdL;
        key ^= key >>> 33;
        return (int) key;
    }

    /** Adds or replaces the rule for (left, right); ids must be non-negative. */
    void put(int left, int right, int rank, int mergedId) {
        if (left < 0 || right < 0) {
            throw new IllegalArgumentException("negative symbol id in merge rule");
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        long key = key(left, right);
        int slot = hash(key) & mask;
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        if (keys[slot] == EMPTY) {
            keys[slot] = key;
            size++;
        }
        ranks[slot] = rank;
        merged[slot] = mergedId;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldRanks = ranks;
        int[] oldMerged = merged;
        allocate(oldKeys.length * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                put((int) (oldKeys[i] >> 32), (int) oldKeys[i], oldRanks[i], oldMerged[i]);
            }
        }
    }

    /** Slot of the rule for (left, right), or -1 when the pair does not merge. */
    int find(int left, int right) {
        if (left < 0 || right < 0) {
            return -1;
        }
        long key = key(left, right);
        int slot = hash(key) & mask;
        long k;
        while ((k = keys[slot]) != EMPTY) {
            if (k == key) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    int rank(int slot) {
        return ranks[slot];
    }

    int merged(int slot) {
        return merged[slot];
    }

    int size() {
        return size;
    }
}
