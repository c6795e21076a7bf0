package dev.signet.engine.backend;

/**
 * The memory of a paged KV cache: for every layer, K and V rows of {@code kvDim} values (float32; fp16 where a
 * backend offers it) in {@code slots} slots ({@code slots = blocks × blockSize}). Which slot holds which sequence's
 * position is decided by the block tables of {@link BatchLayout}; the storage knows nothing of sequences. Closing it
 * frees the memory at once (a KV pool can be tens of GB).
 */
public interface KvStorage extends AutoCloseable {
    int layers();

    int slots();

    int kvDim();

    /** Bytes of device (or host) memory the storage holds. */
    long byteSize();

    @Override
    void close();
}
