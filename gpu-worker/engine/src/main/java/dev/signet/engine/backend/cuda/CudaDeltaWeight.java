package dev.signet.engine.backend.cuda;

import dev.signet.engine.backend.DeltaWeight;
import java.util.List;

/**
 * A tenant's sign planes in device memory: per plane the words {@code [rows, cols / 32]} u32 (in one of the
 * layouts of kernels.cu: the artifact's, or the tensor-core kernel's when the shape allows) and the scales
 * {@code [rows]} f32. The fused matmul reads them in place.
 */
record CudaDeltaWeight(String name, int rows, int cols, List<Plane> planes) implements DeltaWeight {

    /** kernels.cu's SIGNS_ARTIFACT: bit c % 32 of word [j, c / 32] is column c's sign. */
    static final int ARTIFACT_LAYOUT = 0;
    /** kernels.cu's SIGNS_TENSOR: the tensor-core projection's order, for cols % 256 == 0 and rows % 16 == 0. */
    static final int TENSOR_LAYOUT = 1;

    /** One resident sign plane. */
    record Plane(DeviceMemory words, DeviceMemory scales, int layout) {}

    /** Whether a {@code [rows, cols]} plane is kept in the tensor-core layout. */
    static boolean tensorShaped(int rows, int cols) {
        return cols % 256 == 0 && rows % 16 == 0;
    }

    @Override
    public void close() {
        for (Plane p : planes) {
            p.words().close();
            p.scales().close();
        }
    }
}
