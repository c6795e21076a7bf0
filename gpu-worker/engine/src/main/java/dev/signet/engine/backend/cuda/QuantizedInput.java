package dev.signet.engine.backend.cuda;

/**
 * x as the projections' sign term reads it (kernels.cu, quantize_group): int8 per 256-column group,
 * {@code [rows, cols]} bytes, then {@code [rows, cols / 256]} float2 (scale, sum) per group, in one reusable buffer.
 * The bytes are x's int8 values for up to 8 rows (one n-tile of the projection), its 8 bit planes for more (see
 * {@link #bitPlanes(int)}). An RMSNorm or
 * a SwiGLU can leave it beside its output; the matmul that reads that output next takes it as it is when no kernel
 * has been launched and no activations written since (the caller's write stamp is unchanged), else quantizes x
 * again.
 */
final class QuantizedInput implements AutoCloseable {
    private final DeviceScratch buffer;
    private long heldX;  // the address of the activations the buffer holds, 0 when none
    private int heldRows;
    private int heldCols;
    private long heldStamp;
    private long xqAddress;

    QuantizedInput(HostStaging staging) {
        this.buffer = new DeviceScratch(staging);
    }

    /** The buffer for rows of cols (contents undefined until a kernel writes it): xq's address. */
    long reserve(int rows, int cols) {
        heldX = 0;
        xqAddress = buffer.reserve((long) rows * cols + (long) rows * (cols / 256) * 2 * Float.BYTES);
        return xqAddress;
    }

    /**
     * Whether x of {@code rows} rows is quantized to bit planes (1) or int8 values (0): a projection of more than
     * one 8-row n-tile takes its sign term on 1-bit tensor cores, one row's planes per mma for a tenant with few
     * rows (on the H100, 32 rows over 32 tenants 66.0 → 50.5 ms a 7B step); up to 8 rows it stays on int8 ones,
     * faster there (1 row over 1 tenant 5.93 ms against 6.29, 8 rows over 8 tenants 11.0 against 11.5).
     */
    static int bitPlanes(int rows) {
        return rows > CudaBackend.PROJ_TILE_ROWS ? 1 : 0;
    }

    /** Where the stats of {@code rows} rows of {@code cols} follow xq. */
    static long statsAt(long xq, int rows, int cols) {
        return xq + (long) rows * cols;
    }

    /** Records that the last reserved buffer holds x's first rows as of write stamp {@code stamp}. */
    void hold(CudaActivations x, int rows, long stamp) {
        heldX = x.address();
        heldRows = rows;
        heldCols = x.cols();
        heldStamp = stamp;
    }

    /** xq's address when the buffer still holds exactly x's first rows at stamp {@code stamp}, else 0. */
    long reusable(CudaActivations x, int rows, long stamp) {
        return heldX == x.address() && heldRows == rows && heldCols == x.cols() && heldStamp == stamp ? xqAddress : 0L;
    }

    @Override
    public void close() {
        buffer.close();
    }
}
