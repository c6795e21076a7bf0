package dev.signet.engine.testing;

import dev.signet.engine.backend.SignMatrix;
import dev.signet.engine.backend.SignPlane;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.LittleEndian;
import dev.signet.engine.safetensors.TensorEntry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Random test tensors in any weight dtype, in memory that lives as long as the test's arena. */
public final class RandomTensors {
    private final Arena arena;
    private final SplittableRandom rng;

    public RandomTensors(Arena arena, long seed) {
        this.arena = arena;
        this.rng = new SplittableRandom(seed);
    }

    public float[] floats(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /** A [rows, cols] (or [cols] when rows is 0) tensor of uniform values in ±scale, stored as {@code dtype}. */
    public TensorEntry tensor(String name, DType dtype, int rows, int cols, float scale) {
        int n = rows == 0 ? cols : rows * cols;
        float[] values = floats(n, scale);
        MemorySegment seg = arena.allocate((long) n * dtype.byteSize(), 64);
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case F32 -> seg.setAtIndex(LittleEndian.F32, i, values[i]);
                case F16 -> seg.setAtIndex(LittleEndian.U16, i, Float.floatToFloat16(values[i]));
                case BF16 -> seg.setAtIndex(LittleEndian.U16, i, (short) (Float.floatToRawIntBits(values[i]) >>> 16));
                default -> throw new IllegalArgumentException(dtype.name());
            }
        }
        long[] shape = rows == 0 ? new long[] {cols} : new long[] {rows, cols};
        return new TensorEntry(Path.of("random"), name, dtype, shape, seg);
    }

    /** A [rows, cols] BitDelta matrix of {@code planes} random sign planes, padding bits zero, scales uniform in ±1. */
    public SignMatrix signMatrix(String name, int rows, int cols, int planes) {
        int perRow = SignPlane.wordsPerRow(cols);
        int lastWordBits = cols % 32 == 0 ? -1 : (1 << cols % 32) - 1;
        List<SignPlane> list = new ArrayList<>();
        for (int p = 0; p < planes; p++) {
            MemorySegment words = arena.allocate((long) rows * perRow * Integer.BYTES, 64);
            for (long i = 0; i < (long) rows * perRow; i++) {
                int word = rng.nextInt();
                words.setAtIndex(LittleEndian.U32, i, i % perRow == perRow - 1 ? word & lastWordBits : word);
            }
            list.add(new SignPlane(words, floats(rows, 1f)));
        }
        return new SignMatrix(name, rows, cols, list);
    }
}
