package dev.signet.engine.safetensors;

import java.util.Arrays;
import java.util.Optional;

/**
 * The element types a safetensors header may name, with their sizes in bytes. The engine computes with
 * {@link #F32}, {@link #F16} and {@link #BF16} weights; the integer types appear in token-id files
 * (Medusa's self-generated samples) and in BitDelta's packed sign bits.
 */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2),
    I64(8), I32(4), I16(2), I8(1),
    U64(8), U32(4), U16(2), U8(1),
    BOOL(1), F8_E4M3(1), F8_E5M2(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    /** Whether the engine's kernels read weights of this type (converting to fp32 as they go). */
    public boolean isWeightType() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The type named in a safetensors header, e.g. {@code "BF16"}. */
    public static Optional<DType> fromHeaderName(String name) {
        return Arrays.stream(values()).filter(t -> t.name().equals(name)).findFirst();
    }
}
