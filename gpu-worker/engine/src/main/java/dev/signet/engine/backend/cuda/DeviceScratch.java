package dev.signet.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import jcuda.Pointer;

/**
 * A reusable device buffer for an op's small host arguments (token ids, row indices, a step's layout, a matmul's
 * plane table) or its intermediate results (attention's key splits). Uploads are synchronous copies on the default stream, so they wait for the kernels that read the
 * previous contents. It grows to the largest upload seen.
 */
final class DeviceScratch implements AutoCloseable {
    private DeviceMemory memory;

    /** Uploads ints, returning their device address. */
    long upload(int[] values) {
        return copy(Pointer.to(values), (long) values.length * Integer.BYTES);
    }

    /** Uploads longs (device addresses), returning their device address. */
    long upload(long[] values) {
        return copy(Pointer.to(values), (long) values.length * Long.BYTES);
    }

    private long copy(Pointer src, long bytes) {
        if (bytes == 0) {
            return 0;
        }
        long address = reserve(bytes);
        cuMemcpyHtoD(memory.pointer(), src, bytes);
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
