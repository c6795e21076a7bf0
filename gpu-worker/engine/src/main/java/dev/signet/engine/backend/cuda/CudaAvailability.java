package dev.signet.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuInit;

import java.util.Optional;
import jcuda.driver.JCudaDriver;

/**
 * Whether this machine can run the CUDA backend: JCuda's native library loads (it needs the driver's
 * libcuda.so.1), {@code cuInit} succeeds and a device is present. Asked once per JVM; tests skip with the reason.
 */
public final class CudaAvailability {
    private static Optional<String> reason;

    private CudaAvailability() {}

    /** Empty when a GPU can be used, else why not. */
    public static synchronized Optional<String> unavailableReason() {
        if (reason == null) {
            reason = probe();
        }
        return reason;
    }

    private static Optional<String> probe() {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] count = new int[1];
            cuDeviceGetCount(count);
            return count[0] > 0 ? Optional.empty() : Optional.of("the CUDA driver reports no device");
        } catch (LinkageError | RuntimeException e) {  // no libcuda: UnsatisfiedLinkError; no device: CudaException
            return Optional.of("no usable CUDA driver or GPU (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }
}
