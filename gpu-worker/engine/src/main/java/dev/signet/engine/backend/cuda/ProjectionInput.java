package dev.signet.engine.backend.cuda;

import dev.signet.engine.safetensors.DType;

/**
 * x as the tensor-core projections read it (kernels.cu, prepare_group), in one reusable buffer: {@code [rows, cols]}
 * in the weights' 16-bit dtype (fp16 or bf16) for the base term, then, when tenants' sign terms run, x's int8 per
 * 256-column group as its 8 bit planes: {@code [rows, cols]} bytes and {@code [rows, cols / 256]} float2 (−2·scale,
 * sum). The op that makes a projection's x (an RMSNorm, a SwiGLU) can leave it beside its output;
 * the matmul that reads that output next takes it as it is when no kernel has been launched and no activations
 * written since (the caller's write stamp is unchanged) and it holds what the matmul needs, else prepares x again.
 */
final class ProjectionInput implements AutoCloseable {
    private final DeviceScratch buffer;
    private long heldX;  // the address of the activations the buffer holds, 0 when none
    private int heldRows;
    private int heldCols;
    private long heldStamp;
    private DType heldDtype;
    private boolean heldQuantized;
    private long address;

    ProjectionInput(HostStaging staging) {
        this.buffer = new DeviceScratch(staging);
    }

    /** The buffer for rows of cols (contents undefined until a kernel writes it): the 16-bit x's address. */
    long reserve(int rows, int cols) {
        heldX = 0;
        address = buffer.reserve((long) rows * cols * 3 + (long) rows * (cols / 256) * 2 * Float.BYTES);
        return address;
    }

    /** Where the sign term's bytes of {@code rows} rows of {@code cols} follow the 16-bit x at {@code xh}. */
    static long quantizedAt(long xh, int rows, int cols) {
        return xh + (long) rows * cols * 2;
    }

    /** Where their stats follow. */
    static long statsAt(long xh, int rows, int cols) {
        return xh + (long) rows * cols * 3;
    }

    /** The kernels' flag for the 16-bit dtype: 1 for bf16, 0 for fp16. */
    static int bf16(DType dtype) {
        return dtype == DType.BF16 ? 1 : 0;
    }

    /**
     * Records that the last reserved buffer holds x's first rows in {@code dtype} as of write stamp {@code stamp},
     * with the sign term's bytes when {@code quantized}.
     */
    void hold(CudaActivations x, int rows, long stamp, DType dtype, boolean quantized) {
        heldX = x.address();
        heldRows = rows;
        heldCols = x.cols();
        heldStamp = stamp;
        heldDtype = dtype;
        heldQuantized = quantized;
    }

    /**
     * The 16-bit x's address when the buffer still holds exactly x's first rows at stamp {@code stamp}, in
     * {@code dtype} and quantized too when {@code quantized}; else 0.
     */
    long reusable(CudaActivations x, int rows, long stamp, DType dtype, boolean quantized) {
        boolean same = heldX == x.address() && heldRows == rows && heldCols == x.cols() && heldStamp == stamp;
        return same && heldDtype == dtype && (heldQuantized || !quantized) ? address : 0L;
    }

    @Override
    public void close() {
        buffer.close();
    }
}
