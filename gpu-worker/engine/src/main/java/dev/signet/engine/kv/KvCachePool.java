package dev.signet.engine.kv;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.KvStorage;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A paged KV cache: a fixed pool of blocks of {@code blockSize} positions in backend memory, handed to
 * sequences as they grow and returned when they finish. Sequences of any length share the pool without
 * fragmentation; admission control asks {@link #canReserve} before starting work. Closing the pool frees
 * its memory.
 */
public final class KvCachePool implements AutoCloseable {
    private final KvStorage storage;
    private final int blockSize;
    private final int totalBlocks;
    private final Deque<Integer> free = new ArrayDeque<>();

    public KvCachePool(Backend backend, int layers, int kvDim, int totalBlocks, int blockSize) {
        if (totalBlocks <= 0 || blockSize <= 0) {
            throw new IllegalArgumentException("a KV pool needs blocks and a block size, got " + totalBlocks + " × " + blockSize);
        }
        this.storage = backend.kvStorage(layers, Math.multiplyExact(totalBlocks, blockSize), kvDim);
        this.blockSize = blockSize;
        this.totalBlocks = totalBlocks;
        for (int b = 0; b < totalBlocks; b++) {
            free.add(b);
        }
    }

    public KvStorage storage() {
        return storage;
    }

    public int blockSize() {
        return blockSize;
    }

    public int freeBlocks() {
        return free.size();
    }

    /** Fraction of blocks in use, 0..1 (vLLM's {@code kv_cache_usage_perc}). */
    public double usage() {
        return 1.0 - (double) free.size() / totalBlocks;
    }

    public int blocksFor(int positions) {
        return (positions + blockSize - 1) / blockSize;
    }

    public boolean canReserve(KvSequence seq, int length) {
        return blocksFor(length) - seq.blockCount() <= free.size();
    }

    /**
     * Makes room for positions {@code 0 .. length-1}. Returns false and takes nothing when the pool has too
     * few free blocks, so the caller can wait or preempt.
     */
    public boolean reserve(KvSequence seq, int length) {
        if (!canReserve(seq, length)) {
            return false;
        }
        while (seq.blockCount() < blocksFor(length)) {
            seq.addBlock(free.poll());
        }
        return true;
    }

    /** Returns every block of the sequence to the pool; the sequence is empty afterwards. */
    public void release(KvSequence seq) {
        for (int b : seq.takeBlocks()) {
            free.add(b);
        }
    }

    /** Forgets the sequence's positions from {@code length} on and returns the blocks no longer needed. */
    public void truncate(KvSequence seq, int length) {
        if (length < 0 || length > seq.length()) {
            throw new IllegalArgumentException("cannot truncate a sequence of " + seq.length() + " positions to " + length);
        }
        for (int b : seq.takeBlocksFrom(blocksFor(length))) {
            free.add(b);
        }
        seq.advanceTo(length);
    }

    /** Records that a step wrote the sequence's positions up to {@code newLength}. */
    public void advance(KvSequence seq, int newLength) {
        if (blocksFor(newLength) > seq.blockCount()) {
            throw new IllegalStateException("sequence advanced to " + newLength + " positions but holds only "
                    + seq.blockCount() + " blocks of " + blockSize);
        }
        seq.advanceTo(newLength);
    }

    @Override
    public void close() {
        storage.close();
    }
}
