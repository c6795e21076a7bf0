package dev.signet.engine.backend.cpu;

import dev.signet.engine.backend.KvStorage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Paged KV memory off the Java heap (a large cache must not burden the collector): per layer, K and V as
 * {@code [slots, kvDim]} float32.
 */
public final class HostKvStorage implements KvStorage {
    private final Arena arena = Arena.ofShared();
    private final int slots;
    private final int kvDim;
    private final MemorySegment[] keys;    // per layer: [slots, kvDim] f32
    private final MemorySegment[] values;  // per layer: [slots, kvDim] f32

    HostKvStorage(int layers, int slots, int kvDim) {
        this.slots = slots;
        this.kvDim = kvDim;
        this.keys = new MemorySegment[layers];
        this.values = new MemorySegment[layers];
        long bytes = (long) slots * kvDim * Float.BYTES;
        for (int l = 0; l < layers; l++) {
            keys[l] = arena.allocate(bytes, 64);
            values[l] = arena.allocate(bytes, 64);
        }
    }

    /** Layer {@code layer}'s keys, [slots, kvDim] f32. */
    public MemorySegment keys(int layer) {
        return keys[layer];
    }

    /** Layer {@code layer}'s values, [slots, kvDim] f32. */
    public MemorySegment values(int layer) {
        return values[layer];
    }

    @Override
    public int layers() {
        return keys.length;
    }

    @Override
    public int slots() {
        return slots;
    }

    @Override
    public int kvDim() {
        return kvDim;
    }

    @Override
    public long byteSize() {
        return 2L * keys.length * slots * kvDim * Float.BYTES;
    }

    @Override
    public void close() {
        arena.close();
    }
}
