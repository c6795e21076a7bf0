package dev.signet.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;

import dev.signet.engine.sampling.RowSampling;
import dev.signet.engine.sampling.SamplingParams;
import jcuda.Pointer;

/**
 * {@code Backend.sample} on the device: kernels.cu's {@code sample_rows}, one block per row, picks each row's token
 * from logits that never leave the GPU; only the ids (4 bytes a row) are copied back. Each row's parameters travel as
 * four longs: top-k (-1 for greedy), the temperature's and top-p's float bits, the uniform draw's double bits.
 */
final class CudaSampler implements AutoCloseable {
    private static final int THREADS = 1024;  // kernels.cu's SAMPLE_THREADS
    private final CudaKernels kernels;
    private final DeviceScratch params;   // [rows, 4] longs
    private final DeviceScratch weights;  // [rows, vocab] float32 working weights
    private DeviceMemory tokens;          // [rows] int32 results

    CudaSampler(CudaKernels kernels, HostStaging staging) {
        this.kernels = kernels;
        this.params = new DeviceScratch(staging);
        this.weights = new DeviceScratch(staging);
    }

    int[] sample(CudaActivations logits, int rows, RowSampling[] rowParams) {
        if (rowParams.length != rows) {
            throw new IllegalArgumentException("sampling " + rows + " rows needs as many parameters, got " + rowParams.length);
        }
        logits.checkRows(rows);
        int[] out = new int[rows];
        if (rows == 0) {
            return out;
        }
        int vocab = logits.cols();
        long[] packed = new long[rows * 4];
        for (int r = 0; r < rows; r++) {
            SamplingParams p = rowParams[r] == null ? SamplingParams.greedy(1) : rowParams[r].params();  // skipped rows: cheapest
            packed[4 * r] = p.isGreedy() ? -1 : p.topK();
            packed[4 * r + 1] = Float.floatToRawIntBits(p.temperature());
            packed[4 * r + 2] = Float.floatToRawIntBits(p.topP());
            packed[4 * r + 3] = Double.doubleToRawLongBits(rowParams[r] == null ? 0 : rowParams[r].uniform());
        }
        long paramAddress = params.upload(packed);
        long weightAddress = weights.reserve((long) rows * vocab * Float.BYTES);
        if (tokens == null || tokens.bytes() < (long) rows * Integer.BYTES) {
            if (tokens != null) {
                tokens.close();  // the previous sample's copy back already waited for its kernel
            }
            tokens = new DeviceMemory((long) Math.max(rows, 64) * Integer.BYTES);
        }
        kernels.launch("sample_rows", rows, 1, THREADS, logits.address(), vocab, paramAddress, weightAddress, tokens.address());
        cuMemcpyDtoH(Pointer.to(out), tokens.pointer(), (long) rows * Integer.BYTES);  // waits for the kernel
        for (int r = 0; r < rows; r++) {
            if (rowParams[r] == null) {
                out[r] = -1;
            } else if (out[r] < 0) {
                throw new IllegalStateException("logits are not finite (row " + r + "): the model produced NaN or infinity");
            }
        }
        return out;
    }

    @Override
    public void close() {
        params.close();
        weights.close();
        if (tokens != null) {
            tokens.close();
        }
    }
}
