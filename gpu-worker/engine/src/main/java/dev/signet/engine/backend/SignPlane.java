package dev.signet.engine.backend;

import java.lang.foreign.MemorySegment;

/**
 * One sign mask of a BitDelta matrix as the host holds it, before a backend makes it resident: bit i of
 * 32-bit little-endian word k of row j is the sign of column 32k+i (1 = +1, 0 = −1; padding bits past the
 * last column are zero and ignored), and row j of the mask is scaled by {@code scales[j]}.
 * words: [rows, ceil(cols/32)] u32, scales: [rows] f32
 */
public record SignPlane(MemorySegment words, float[] scales) {
    public static int wordsPerRow(int cols) {
        return (cols + 31) >>> 5;
    }
}
