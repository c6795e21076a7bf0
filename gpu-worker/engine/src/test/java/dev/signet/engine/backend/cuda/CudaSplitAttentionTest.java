package dev.signet.engine.backend.cuda;

import dev.signet.engine.backend.Backend;

/**
 * The contract again with attention split every 4 keys, so the contract's short sequences take the
 * flash-decoding path (partial softmax per split, then attention_combine) that long contexts take in production,
 * including splits that hold no key of a short row. Skipped without a GPU.
 */
class CudaSplitAttentionTest extends CudaBackendTest {
    @Override
    protected Backend openCandidate() {
        GpuAssumption.requireGpu();
        return new CudaBackend(0, 4);
    }
}
