package dev.signet.engine.backend.cuda;

import dev.signet.engine.backend.KvStorage;

/**
 * The paged KV cache in device memory: keys and values, each {@code [layers, slots, kvDim]} float32.
 * keys, values: [layers, slots, kvDim] f32
 */
record CudaKvStorage(int layers, int slots, int kvDim, DeviceMemory keys, DeviceMemory values) implements KvStorage {

    static CudaKvStorage allocate(int layers, int slots, int kvDim) {
        long bytes = (long) layers * slots * kvDim * Float.BYTES;
        DeviceMemory keys = new DeviceMemory(bytes);
        try {
            return new CudaKvStorage(layers, slots, kvDim, keys, new DeviceMemory(bytes));
        } catch (RuntimeException e) {
            keys.close();
            throw e;
        }
    }

    /** Floats between one layer's keys and the next's. */
    long layerFloats() {
        return (long) slots * kvDim;
    }

    long keysAddress(int layer) {
        return keys.address((long) layer * layerFloats() * Float.BYTES);
    }

    long valuesAddress(int layer) {
        return values.address((long) layer * layerFloats() * Float.BYTES);
    }

    @Override
    public long byteSize() {
        return keys.bytes() + values.bytes();
    }

    @Override
    public void close() {
        keys.close();
        values.close();
    }
}
