package dev.signet.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuPointerGetAttribute;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUpointer_attribute;

/**
 * One {@code cuMemAlloc} allocation: the driver's handle for copies and its raw address, which kernels take as
 * a 64-bit argument and which pointer tables (a matmul's sign planes) hold. Closing frees it; closing twice is harmless.
 */
final class DeviceMemory implements AutoCloseable {
    private final CUdeviceptr pointer = new CUdeviceptr();
    private final long bytes;
    private final long address;
    private boolean freed;

    DeviceMemory(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("a device allocation cannot have " + bytes + " bytes");
        }
        this.bytes = bytes;
        cuMemAlloc(pointer, Math.max(bytes, 1));  // the driver refuses empty allocations; an empty buffer still needs an address
        long[] raw = new long[1];
        cuPointerGetAttribute(Pointer.to(raw), CUpointer_attribute.CU_POINTER_ATTRIBUTE_DEVICE_POINTER, pointer);
        this.address = raw[0];
    }

    CUdeviceptr pointer() {
        return pointer;
    }

    CUdeviceptr pointer(long byteOffset) {
        return pointer.withByteOffset(byteOffset);
    }

    /** The device address kernels read, {@code byteOffset} bytes in. */
    long address(long byteOffset) {
        return address + byteOffset;
    }

    long address() {
        return address;
    }

    long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        if (!freed) {
            freed = true;
            cuMemFree(pointer);
        }
    }
}
