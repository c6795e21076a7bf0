package dev.signet.engine.backend.cuda;

import dev.signet.engine.backend.Weight;
import dev.signet.engine.safetensors.DType;

/** A weight in device memory, row-major {@code [rows, cols]} in its stored dtype (kernels widen f16/bf16 to float32). */
record CudaWeight(String name, DType dtype, int rows, int cols, DeviceMemory memory) implements Weight {
    /** The kernels' name suffix for this dtype: {@code f32}, {@code f16} or {@code bf16}. */
    String kernelSuffix() {
        return dtype.name().toLowerCase(java.util.Locale.ROOT);
    }
}
