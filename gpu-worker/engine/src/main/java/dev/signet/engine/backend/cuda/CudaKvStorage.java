package dev.signet.engine.backend.cuda;

import dev.signet.engine.backend.KvStorage;
import dev.signet.engine.safetensors.DType;

/**
 * The paged KV cache in device memory: keys and values, each {@code [layers, slots, kvDim]} in {@code dtype}, F32
 * or F16 (half the bytes attention reads; values rounded to fp16 as they are stored).
 */
record CudaKvStorage(int layers, int slots, int kvDim, DType dtype, DeviceMemory keys, DeviceMemory values) implements KvStorage {

    static CudaKvStorage allocate(int layers, int slots, int kvDim, DType dtype) {
        long bytes = (long) layers * slots * kvDim * dtype.byteSize();
        DeviceMemory keys = new DeviceMemory(bytes);
        try {
            return new CudaKvStorage(layers, slots, kvDim, dtype, keys, new DeviceMemory(bytes));
        } catch (RuntimeException e) {
            keys.close();
            throw e;
        }
    }

    /** The kernels' name suffix for the cache's dtype: {@code f32} or {@code f16}. */
    String kernelSuffix() {
        return dtype.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Bytes between one layer's keys and the next's. */
    long layerBytes() {
        return (long) slots * kvDim * dtype.byteSize();
    }

    long keysAddress(int layer) {
        return keys.address(layer * layerBytes());
    }

    long valuesAddress(int layer) {
        return values.address(layer * layerBytes());
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
