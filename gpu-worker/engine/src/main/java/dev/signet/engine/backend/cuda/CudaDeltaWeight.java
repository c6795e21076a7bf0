package dev.signet.engine.backend.cuda;

import dev.signet.engine.backend.DeltaWeight;
import java.util.List;

/**
 * A tenant's sign planes in device memory, packed as the artifact holds them: per plane the words
 * {@code [rows, ceil(cols/32)]} u32 and the scales {@code [rows]} f32. The fused matmul reads them in place.
 */
record CudaDeltaWeight(String name, int rows, int cols, List<Plane> planes) implements DeltaWeight {

    /** One resident sign plane. */
    record Plane(DeviceMemory words, DeviceMemory scales) {}

    @Override
    public void close() {
        for (Plane p : planes) {
            p.words().close();
            p.scales().close();
        }
    }
}
