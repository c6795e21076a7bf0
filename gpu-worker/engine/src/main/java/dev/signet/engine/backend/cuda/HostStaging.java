package dev.signet.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * A ring of page-locked host memory through which an op's small arguments (token ids, positions, a step's layout,
 * a matmul's plane tables) go to the device with {@code cuMemcpyHtoDAsync}. A copy from pageable memory would
 * first wait for every kernel already queued, leaving the GPU idle while the host issues the next ones; a copy
 * from pinned memory is queued behind them like a kernel, so a step's launches stream without a gap. A region
 * is reused only after a wrap that waits for the device, so no queued copy reads overwritten bytes. Arguments
 * larger than the ring go synchronously.
 */
final class HostStaging implements AutoCloseable {
    private static final int ALIGN = 256;
    private final Pointer ring = new Pointer();
    private final ByteBuffer bytes;
    private final long capacity;
    private long next;

    HostStaging(long capacity) {
        this.capacity = capacity;
        cuMemAllocHost(ring, capacity);
        this.bytes = ring.getByteBuffer(0, capacity).order(ByteOrder.nativeOrder());
    }

    /** Queues a copy of {@code values} to {@code dst}. */
    void copy(CUdeviceptr dst, int[] values) {
        copy(dst, Pointer.to(values), (long) values.length * Integer.BYTES, at -> at.asIntBuffer().put(values));
    }

    /** Queues a copy of {@code values} to {@code dst}. */
    void copy(CUdeviceptr dst, long[] values) {
        copy(dst, Pointer.to(values), (long) values.length * Long.BYTES, at -> at.asLongBuffer().put(values));
    }

    /** {@code fill} writes the n bytes into their ring region; {@code direct} is the synchronous fallback's source. */
    private void copy(CUdeviceptr dst, Pointer direct, long n, Consumer<ByteBuffer> fill) {
        long at = reserve(n);
        if (at < 0) {
            cuMemcpyHtoD(dst, direct, n);
            return;
        }
        fill.accept(bytes.slice((int) at, (int) n).order(ByteOrder.nativeOrder()));
        cuMemcpyHtoDAsync(dst, ring.withByteOffset(at), n, null);
    }

    /** The ring offset for {@code n} bytes, waiting for the device when it wraps; -1 when they cannot fit. */
    private long reserve(long n) {
        if (n > capacity) {
            return -1;
        }
        if (next + n > capacity) {
            cuCtxSynchronize();  // every queued copy out of the ring has run
            next = 0;
        }
        long at = next;
        next = (next + n + ALIGN - 1) / ALIGN * ALIGN;
        return at;
    }

    @Override
    public void close() {
        cuMemFreeHost(ring);
    }
}
