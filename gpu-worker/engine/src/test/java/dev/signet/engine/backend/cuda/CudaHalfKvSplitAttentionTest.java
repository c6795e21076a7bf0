package dev.signet.engine.backend.cuda;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.safetensors.DType;

/**
 * The fp16-cache contract with attention split every 4 keys: the flash-decoding path (partials, then
 * attention_combine) over fp16 keys and values. Skipped without a GPU.
 */
class CudaHalfKvSplitAttentionTest extends CudaHalfKvCacheTest {
    @Override
    protected Backend openCandidate() {
        GpuAssumption.requireGpu();
        return new CudaBackend(0, 4, DType.F16);
    }
}
