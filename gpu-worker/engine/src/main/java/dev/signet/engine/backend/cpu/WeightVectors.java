package dev.signet.engine.backend.cpu;

import dev.signet.engine.safetensors.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Loads {@link #F}-length float vectors of weights straight from their stored bytes: f32 as is, bf16 by
 * shifting into the high half, f16 by rebuilding the float32 bit pattern (the Vector API has no half-float
 * conversion).
 */
final class WeightVectors {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Stored-type codes, so kernels branch on an int the JIT can hoist out of their loops. */
    static final int KIND_F32 = 0;
    static final int KIND_BF16 = 1;
    static final int KIND_F16 = 2;

    private WeightVectors() {}

    static int kind(DType t) {
        return switch (t) {
            case F32 -> KIND_F32;
            case BF16 -> KIND_BF16;
            case F16 -> KIND_F16;
            default -> throw new IllegalArgumentException("not a weight type: " + t);
        };
    }

    static FloatVector load(MemorySegment seg, long byteOffset, int kind) {
        if (kind == KIND_F32) {
            return FloatVector.fromMemorySegment(F, seg, byteOffset, LE);
        }
        IntVector wide = (IntVector) ShortVector.fromMemorySegment(S, seg, byteOffset, LE).convertShape(VectorOperators.S2I, I, 0);
        if (kind == KIND_BF16) {
            return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }
        return halfToFloat(wide.and(0xFFFF));
    }

    /** IEEE binary16 bits (one per int lane) to float32, subnormals, infinities and NaNs included. */
    private static FloatVector halfToFloat(IntVector h) {
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector magnitude = h.and(0x7FFF);
        // Rebias the exponent (15 → 127): shift exponent and mantissa into place and add 112 << 23.
        IntVector normal = magnitude.lanewise(VectorOperators.LSHL, 13).add(0x38000000);
        VectorMask<Integer> infOrNan = magnitude.compare(VectorOperators.GE, 0x7C00);
        normal = normal.blend(normal.add(0x38000000), infOrNan);
        // Zero and subnormals: the value is mantissa × 2^-24, exact in float32.
        VectorMask<Integer> subnormal = magnitude.compare(VectorOperators.LT, 0x0400);
        IntVector small = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0)).mul(0x1p-24f).reinterpretAsInts();
        return normal.blend(small, subnormal).or(sign).reinterpretAsFloats();
    }
}
