package dev.signet.engine.tokenizer;

import java.util.Arrays;

/**
 * Byte-pair merging of one word, as both sentencepiece's {@code bpe_model.cc} and the Rust tokenizers
 * crate's {@code Word::merge_all} do it: a doubly linked list of symbols and a priority queue of adjacent
 * pairs ordered by (rank, position of the left symbol), so the best-ranked pair merges first and equal ranks
 * merge leftmost first. Each merge pushes at most two new pairs, so a word of n symbols costs O(n log n);
 * a 2 MB text that is one "word" (Metaspace without splitting) is fine.
 *
 * <p>A queue entry is stale when its pair no longer exists; rather than tracking entries, a popped entry is
 * applied only if the pair now at its position still has the popped rank. Every live pair has its own entry
 * with exactly that key, and the popped key is the smallest in the queue, so applying the live pair is what
 * the reference implementations do.
 */
final class BpeWordMerger {
    /** Marks a symbol absorbed by its left neighbour. */
    static final int DEAD = Integer.MIN_VALUE;

    /** Told about every candidate pair entering the queue (sentencepiece's resegmentation of unused pieces). */
    interface CandidateListener {
        void candidate(int leftId, int rightId, int mergedId);
    }

    private BpeWordMerger() {}

    /**
     * Merges {@code ids[0..count)} in place. Afterwards the surviving symbols are the chain 0, next[0],
     * next[next[0]], ... ending at -1, each {@code ids[i]} holding the merged id. The word is first cut
     * before every symbol k with {@code cutBefore[k]} (null: no cuts) and each run merged on its own. Exact
     * when no merge can join symbols across a cut (see {@link MergeableCharPairs}); much faster on long words,
     * because each run's queue and symbols stay in cache instead of a 2 MB word's merges hopping across tens
     * of megabytes.
     *
     * @param frozen   symbols that never merge (sentencepiece user-defined pieces), or null
     * @param next     receives the chain; length at least {@code count}
     * @param listener told about candidate pairs, or null
     */
    static void mergeRuns(int[] ids, int count, boolean[] cutBefore, MergeTable table, boolean[] frozen,
            int[] next, CandidateListener listener) {
        if (count == 0) {
            return;
        }
        int[] prev = new int[count];
        LongHeap queue = new LongHeap(cutBefore == null ? count : 64);
        int lastSurvivor = -1;
        int start = 0;
        while (start < count) {
            int end = start + 1;
            while (end < count && (cutBefore == null || !cutBefore[end])) {
                end++;
            }
            mergeRun(ids, start, end, table, frozen, next, prev, queue, listener);
            if (lastSurvivor >= 0) {
                next[lastSurvivor] = start;
            }
            lastSurvivor = start;
            while (next[lastSurvivor] >= 0) {
                lastSurvivor = next[lastSurvivor];
            }
            start = end;
        }
    }

    private static void mergeRun(int[] ids, int from, int to, MergeTable table, boolean[] frozen, int[] next,
            int[] prev, LongHeap queue, CandidateListener listener) {
        for (int i = from; i < to; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < to ? i + 1 : -1;
        }
        prev[from] = -1;
        if (to - from == 1 || table.size() == 0) {
            return;
        }
        queue.clear();
        for (int i = from; i + 1 < to; i++) {
            offer(queue, ids, i, i + 1, table, frozen, listener);
        }
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            if (ids[left] == DEAD) {
                continue;
            }
            int right = next[left];
            if (right < 0 || (frozen != null && (frozen[left] || frozen[right]))) {
                continue;
            }
            int slot = table.find(ids[left], ids[right]);
            if (slot < 0 || table.rank(slot) != rank) {
                continue; // stale: the pair at this position changed since the entry was queued
            }
            ids[left] = table.merged(slot);
            ids[right] = DEAD;
            int after = next[right];
            next[left] = after;
            if (after >= 0) {
                prev[after] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, ids, prev[left], left, table, frozen, listener);
            }
            if (after >= 0) {
                offer(queue, ids, left, after, table, frozen, listener);
            }
        }
    }

    private static void offer(LongHeap queue, int[] ids, int left, int right, MergeTable table, boolean[] frozen,
            CandidateListener listener) {
        if (frozen != null && (frozen[left] || frozen[right])) {
            return;
        }
        int slot = table.find(ids[left], ids[right]);
        if (slot >= 0) {
            // Ranks are non-negative and positions fit 31 bits, so the long orders by (rank, position).
            queue.add(((long) table.rank(slot) << 32) | left);
            if (listener != null) {
                listener.candidate(ids[left], ids[right], table.merged(slot));
            }
        }
    }

    /** A binary min-heap of longs. */
    static final class LongHeap {
        private long[] heap;
        private int size;

        LongHeap(int capacity) {
            heap = new long[Math.max(capacity, 4)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void clear() {
            size = 0;
        }

        void add(long value) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, heap.length * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                long p = heap[parent];
                if (p <= value) {
                    break;
                }
                heap[i] = p;
                i = parent;
            }
            heap[i] = value;
        }

        long poll() {
            long result = heap[0];
            long last = heap[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                long c = heap[child];
                int right = child + 1;
                if (right < size && heap[right] < c) {
                    child = right;
                    c = heap[right];
                }
                if (last <= c) {
                    break;
                }
                heap[i] = c;
                i = child;
            }
            if (size > 0) {
                heap[i] = last;
            }
            return result;
        }
    }
}
