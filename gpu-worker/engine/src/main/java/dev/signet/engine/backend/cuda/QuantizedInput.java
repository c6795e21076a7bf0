package dev.signet.engine.backend.cuda;

/**
 * x as the projections' sign term reads it (kernels.cu, quantize_groups): {@code [rows, cols]} s8, then
 * {@code [rows, cols / 256]} float2 (scale / 64, sum) per 256-column group, in one reusable buffer. An RMSNorm
 * can leave it beside its output; the matmul that reads that output next takes it as it is when no kernel has
 * been launched and no activations written since (the caller's write stamp is unchanged), else quantizes x again.
 */
final class QuantizedInput implements AutoCloseable {
    private final DeviceScratch buffer;
    private long heldFrom;  // the address of the activations the buffer holds, 0 when none
    private int heldRows;
    private long heldStamp;
    private long address;

    QuantizedInput(HostStaging staging) {
        this.buffer = new DeviceScratch(staging);
    }

    /** The buffer for rows of cols (contents undefined until a kernel writes it): xq's address. */
    long reserve(int rows, int cols) {
        heldFrom = 0;
        address = buffer.reserve((long) rows * cols + (long) rows * (cols / 256) * 2 * Float.BYTES);
        return address;
    }

    /** Where the stats of {@code rows} rows of {@code cols} follow xq. */
    static long statsAt(long xq, int rows, int cols) {
        return xq + (long) rows * cols;
    }

    /** Records that the last reserved buffer holds x's first rows as of write stamp {@code stamp}. */
    void hold(CudaActivations x, int rows, long stamp) {
        heldFrom = x.address();
        heldRows = rows;
        heldStamp = stamp;
    }

    /** xq's address when the buffer still holds exactly x's first rows at stamp {@code stamp}, else 0. */
    long reusable(CudaActivations x, int rows, long stamp) {
        return heldFrom == x.address() && heldRows == rows && heldStamp == stamp ? address : 0L;
    }

    @Override
    public void close() {
        buffer.close();
    }
}
