package dev.signet.engine.safetensors;

import java.lang.foreign.MemorySegment;
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

    /** Element {@code index} of a weight-typed segment, widened to float32. */
    public float floatAt(MemorySegment data, long index) {
        return switch (this) {
            case F32 -> data.getAtIndex(LittleEndian.F32, index);
            case F16 -> Float.float16ToFloat(data.getAtIndex(LittleEndian.U16, index));
            case BF16 -> Float.intBitsToFloat(data.getAtIndex(LittleEndian.U16, index) << 16);
            default -> throw new IllegalStateException(this + " is not a weight type");
        };
    }

    /** Elements {@code [from, from + dst.length)} as float32. */
    public void readFloats(MemorySegment data, long from, float[] dst) {
        if (this == F32) {
            MemorySegment.copy(data, LittleEndian.F32, from * Float.BYTES, dst, 0, dst.length);
        } else {
            for (int i = 0; i < dst.length; i++) {
                dst[i] = floatAt(data, from + i);
            }
        }
    }

    /** The type named in a safetensors header, e.g. {@code "BF16"}. */
    public static Optional<DType> fromHeaderName(String name) {
        return Arrays.stream(values()).filter(t -> t.name().equals(name)).findFirst();
    }
}
