package dev.signet.engine.backend.cpu;

import dev.signet.engine.backend.Weight;
import dev.signet.engine.safetensors.DType;
import java.lang.foreign.MemorySegment;

/**
 * A weight read in place from host memory (usually a slice of a safetensors mapping), row-major
 * {@code [rows, cols]} in its stored dtype; f16 and bf16 are widened to float32 as they are read.
 */
public record HostWeight(String name, DType dtype, int rows, int cols, MemorySegment data) implements Weight {
    public HostWeight {
        if (!dtype.isWeightType()) {
            throw new IllegalArgumentException(name + ": weights must be F32, F16 or BF16, not " + dtype);
        }
        if (data.byteSize() != (long) rows * cols * dtype.byteSize()) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for [" + rows + ", " + cols + "] " + dtype);
        }
    }

    /** Element {@code index} (row-major) as float32. */
    public float get(long index) {
        return dtype.floatAt(data, index);
    }

    public long rowByteOffset(int row) {
        return (long) row * cols * dtype.byteSize();
    }
}
