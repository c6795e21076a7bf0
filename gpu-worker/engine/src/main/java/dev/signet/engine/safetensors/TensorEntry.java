package dev.signet.engine.safetensors;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor of a safetensors file: its name, type, shape (outermost first, e.g. {@code [out, in]} for a
 * Hugging Face linear weight) and its bytes, a slice of the file's memory mapping (read in place, never
 * copied). The shape array is owned by the entry: do not modify it.
 */
public record TensorEntry(Path file, String name, DType dtype, long[] shape, MemorySegment data) {

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis];
    }

    public long elementCount() {
        return elementCount(shape);
    }

    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + dtype + shapeString();
    }
}
