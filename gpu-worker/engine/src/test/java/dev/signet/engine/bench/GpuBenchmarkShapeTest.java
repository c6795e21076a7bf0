package dev.signet.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.signet.engine.safetensors.DType;
import org.junit.jupiter.api.Test;

/** The floor's byte counts for the synthetic Llama-2-7B shape (no GPU needed). */
class GpuBenchmarkShapeTest {
    private final GpuBenchmark.Shape shape = GpuBenchmark.Shape.llama2_7b(32);

    @Test
    void baseBytesAreLlama2SevenBWithoutTheEmbeddingInFp16() {
        // Llama-2-7B has 6,738,415,616 parameters; a decode step reads all but the 32000 x 4096 embedding table.
        assertEquals(2L * (6_738_415_616L - 32_000L * 4096), shape.baseBytes());
    }

    @Test
    void signBytesAreOneBitPerWeightPlusARowScale() {
        long words = 4L * 4096 * 128 + 2L * 11008 * 128 + 4096L * 344;     // q, k, v, o; gate, up; down (11008 / 32 = 344)
        long scales = 4L * 4096 + 2L * 11008 + 4096;
        assertEquals(32 * 4 * (words + scales), shape.signBytesPerTenant());
    }

    @Test
    void kvBytesAreEveryLayersFloat32KeysAndValues() {
        assertEquals(2L * 32 * 512 * 4096 * 4, shape.kvBytesPerRow(512, DType.F32));
        assertEquals(2L * 32 * 512 * 4096 * 2, shape.kvBytesPerRow(512, DType.F16));
    }
}
