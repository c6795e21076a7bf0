package dev.signet.engine.backend.cpu;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.BackendContract;

/** The Vector API backend against the reference, with two threads so the parallel split is exercised. */
class VectorCpuBackendTest extends BackendContract {
    @Override
    protected Backend openCandidate() {
        return new VectorCpuBackend(2);
    }
}
