package dev.signet.engine.backend.cuda;

import dev.signet.engine.backend.Activations;

/** A float32 work buffer in device memory: {@code [capacityRows, cols]} row-major. */
record CudaActivations(int capacityRows, int cols, DeviceMemory memory) implements Activations {
    long address() {
        return memory.address();
    }

    /** Checks that an op's {@code rows} fit the buffer. */
    void checkRows(int rows) {
        if (rows < 0 || rows > capacityRows) {
            throw new IllegalArgumentException(rows + " rows do not fit a buffer of " + capacityRows + " rows");
        }
    }
}
