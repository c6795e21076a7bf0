package dev.signet.engine.model;

/**
 * How much a loaded model may hold at once: {@code maxBatchRows} rows per forward step (the token budget
 * that sizes every work buffer) and a paged KV cache of {@code kvBlocks} blocks of {@code blockSize}
 * positions shared by all sequences.
 */
public record ModelOptions(int maxBatchRows, int kvBlocks, int blockSize) {
    public static final int DEFAULT_BLOCK_SIZE = 16;

    public ModelOptions {
        if (maxBatchRows < 1 || kvBlocks < 1 || blockSize < 1) {
            throw new IllegalArgumentException("model options must be positive: " + maxBatchRows + ", " + kvBlocks + ", " + blockSize);
        }
    }

    /** Room for {@code sequences} sequences of up to {@code positions} positions each. */
    public static ModelOptions forSequences(int sequences, int positions, int maxBatchRows) {
        int blocksPerSequence = (positions + DEFAULT_BLOCK_SIZE - 1) / DEFAULT_BLOCK_SIZE;
        return new ModelOptions(maxBatchRows, Math.multiplyExact(sequences, blocksPerSequence), DEFAULT_BLOCK_SIZE);
    }
}
