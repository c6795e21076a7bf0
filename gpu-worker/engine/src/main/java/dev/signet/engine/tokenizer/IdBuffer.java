package dev.signet.engine.tokenizer;

import java.util.Arrays;

/** A growable {@code int[]}: token ids collected during encoding without boxing. */
final class IdBuffer {
    private int[] data;
    private int size;

    IdBuffer(int capacity) {
        data = new int[Math.max(capacity, 8)];
    }

    void add(int id) {
        if (size == data.length) {
            data = Arrays.copyOf(data, data.length * 2);
        }
        data[size++] = id;
    }

    void addAll(int[] ids) {
        addAll(ids, 0, ids.length);
    }

    void addAll(int[] ids, int from, int to) {
        int n = to - from;
        if (size + n > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
        }
        System.arraycopy(ids, from, data, size, n);
        size += n;
    }

    int size() {
        return size;
    }

    /** The backing array; valid up to {@link #size()}. */
    int[] array() {
        return data;
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
