package dev.signet.engine.kv;

import java.util.Arrays;

/**
 * One sequence's view of the paged KV cache: the blocks it owns, in position order, and how many positions
 * are cached. Owned by the thread that runs the model's steps.
 */
public final class KvSequence {
    private int[] blocks = new int[4];
    private int blockCount;
    private int length;

    /** Positions whose keys and values are in the cache. */
    public int length() {
        return length;
    }

    public int blockCount() {
        return blockCount;
    }

    /** The block table, one block id per {@code blockSize} positions (a copy sized to the blocks held). */
    public int[] blockTable() {
        return Arrays.copyOf(blocks, blockCount);
    }

    void addBlock(int block) {
        if (blockCount == blocks.length) {
            blocks = Arrays.copyOf(blocks, blocks.length * 2);
        }
        blocks[blockCount++] = block;
    }

    int[] takeBlocks() {
        int[] held = blockTable();
        blockCount = 0;
        length = 0;
        return held;
    }

    /** Gives up the blocks from index {@code keep} on (the sequence is being shortened). */
    int[] takeBlocksFrom(int keep) {
        int[] dropped = Arrays.copyOfRange(blocks, keep, Math.max(keep, blockCount));
        blockCount = Math.min(blockCount, keep);
        return dropped;
    }

    /** Called after a step wrote positions {@code length .. newLength-1}. */
    void advanceTo(int newLength) {
        length = newLength;
    }
}
