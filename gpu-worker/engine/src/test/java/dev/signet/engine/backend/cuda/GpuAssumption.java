package dev.signet.engine.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The one legitimate skip: a machine without a usable CUDA driver and GPU skips the CUDA tests and says why. */
final class GpuAssumption {
    private GpuAssumption() {}

    static void requireGpu() {
        var reason = CudaAvailability.unavailableReason();
        assumeTrue(reason.isEmpty(), () -> "CUDA tests skipped: " + reason.orElse(""));
    }
}
