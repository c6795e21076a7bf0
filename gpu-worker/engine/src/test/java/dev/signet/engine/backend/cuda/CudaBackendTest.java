package dev.signet.engine.backend.cuda;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.BackendContract;

/**
 * Every kernel against the plain-Java reference on random inputs, outputs poisoned with NaN before each run
 * (the whole {@link BackendContract}). f16 and bf16 weights are widened exactly and summed in float32, so they
 * meet the float32 bound of 1e-5, tighter than the 1e-2 the issue allows them. Skipped without a GPU.
 */
class CudaBackendTest extends BackendContract {

    @Override
    protected Backend openCandidate() {
        GpuAssumption.requireGpu();
        return new CudaBackend();
    }
}
