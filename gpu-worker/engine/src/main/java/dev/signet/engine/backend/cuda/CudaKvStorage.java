package dev.signet.engine.backend.cuda;

import dev.signet.engine.backend.KvStorage;
import dev.signet.engine.safetensors.DType;

/**
 * The paged KV cache in device memory: keys and values, each {@code [layers, slots, kvDim]} in {@code dtype}, F32
 * or F16 (half the bytes attention reads; keys and values rounded to fp16 as they are stored).
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

    /** The kernel that stores a step's keys and values in this cache's dtype. */
    String writeKernel() {
        return dtype == DType.F16 ? "write_kv_f16" : "write_kv_f32";
    }

    /** The attention kernel for this cache's dtype and heads of {@code headDim} (≤ 128, else ≤ 256). */
    String attentionKernel(int headDim) {
        boolean narrow = headDim <= 128;
        return dtype == DType.F16 ? (narrow ? "attention_f16_d128" : "attention_f16_d256")
                : (narrow ? "attention_f32_d128" : "attention_f32_d256");
    }

    /** Bytes of one slot's keys (or values) in one layer. */
    long rowBytes() {
        return (long) kvDim * dtype.byteSize();
    }

    /** Bytes between one layer's keys and the next's. */
    long layerBytes() {
        return slots * rowBytes();
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
