package dev.signet.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The vectorised half-precision loads agree bit for bit with the JDK's scalar conversions, for every 16-bit pattern. */
class WeightVectorsTest {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void f16LoadsEqualFloat16ToFloatForAllPatterns() {
        checkAllPatterns(WeightVectors.KIND_F16, bits -> Float.float16ToFloat((short) bits));
    }

    @Test
    void bf16LoadsEqualTheHighHalfOfAFloatForAllPatterns() {
        checkAllPatterns(WeightVectors.KIND_BF16, bits -> Float.intBitsToFloat(bits << 16));
    }

    private static void checkAllPatterns(int kind, java.util.function.IntFunction<Float> scalar) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(65536L * 2);
            for (int i = 0; i < 65536; i++) {
                seg.setAtIndex(U16, i, (short) i);
            }
            float[] lanes = new float[WeightVectors.L];
            for (int i = 0; i < 65536; i += WeightVectors.L) {
                WeightVectors.load(seg, i * 2L, kind).intoArray(lanes, 0);
                for (int l = 0; l < lanes.length; l++) {
                    float expected = scalar.apply(i + l);
                    if (Float.isNaN(expected)) {
                        assertTrue(Float.isNaN(lanes[l]), "pattern " + Integer.toHexString(i + l) + " should be NaN");
                    } else {
                        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(lanes[l]),
                                "pattern 0x" + Integer.toHexString(i + l));
                    }
                }
            }
        }
    }
}
