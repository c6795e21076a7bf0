package dev.signet.engine.backend.cpu;

import dev.signet.engine.backend.Activations;

/** A float32 buffer {@code [capacityRows, cols]} on the Java heap; row r starts at {@code r * cols}. */
public record HostActivations(int capacityRows, int cols, float[] data) implements Activations {

    public HostActivations(int capacityRows, int cols) {
        this(capacityRows, cols, new float[Math.multiplyExact(capacityRows, cols)]);
    }

    int offset(int row) {
        return row * cols;
    }
}
