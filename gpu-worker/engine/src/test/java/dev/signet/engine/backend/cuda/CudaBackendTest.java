package dev.signet.engine.backend.cuda;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.BackendContract;
import dev.signet.engine.safetensors.DType;

/**
 * Every kernel against the plain-Java reference on random inputs, outputs poisoned with NaN before each run
 * (the whole {@link BackendContract}). f32 weights, and f16/bf16 weights of shapes the tensor-core kernels do
 * not take, are exact in float32 (1e-5). The tensor-core projections take activations in fp16 (bf16 for bf16
 * weights' base term), so f16/bf16 matmuls are held to the 1e-2. Skipped without a GPU.
 */
class CudaBackendTest extends BackendContract {

    @Override
    protected Backend openCandidate() {
        GpuAssumption.requireGpu();
        return new CudaBackend();
    }

    @Override
    protected double tolerance(DType dtype) {
        return dtype == DType.F32 ? tolerance() : 1e-2;
    }
}
