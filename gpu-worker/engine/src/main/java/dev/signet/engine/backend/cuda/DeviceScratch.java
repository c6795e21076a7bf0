package dev.signet.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;

/**
 * A reusable device buffer for an op's small host arguments (token ids, row indices, a step's layout, a matmul's
 * plane tables) or its intermediate results (attention's key splits). Uploads are queued through the pinned
 * {@link HostStaging} ring on the default stream, so they run after the kernels that read the previous contents
 * and before the ones issued after them. It grows to the largest upload seen.
 */
final class DeviceScratch implements AutoCloseable {
    private final HostStaging staging;
    private DeviceMemory memory;

    DeviceScratch(HostStaging staging) {
        this.staging = staging;
    }

    /** Uploads ints, returning their device address. */
    long upload(int[] values) {
        if (values.length == 0) {
            return 0;
        }
        long address = reserve((long) values.length * Integer.BYTES);
        staging.copy(memory.pointer(), values);
        return address;
    }

    /** Uploads longs (device addresses), returning their device address. */
    long upload(long[] values) {
        if (values.length == 0) {
            return 0;
        }
        long address = reserve((long) values.length * Long.BYTES);
        staging.copy(memory.pointer(), values);
        return address;
    }

    /** The address of at least {@code bytes} bytes, for a kernel's intermediate results (contents undefined). */
    long reserve(long bytes) {
        if (memory == null || memory.bytes() < bytes) {
            if (memory != null) {
                cuCtxSynchronize();  // kernels may still use the old buffer
                memory.close();
            }
            memory = new DeviceMemory(Math.max(bytes * 2, 4096));
        }
        return memory.address();
    }

    @Override
    public void close() {
        if (memory != null) {
            memory.close();
        }
    }
}
