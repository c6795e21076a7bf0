package dev.signet.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.signet.engine.safetensors.DType;
import dev.signet.engine.testing.RandomTensors;
import java.lang.foreign.Arena;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The matmul regimes are batch-invariant bit for bit: a row's result is the same whatever other rows share
 * its step, as long as the steps fall in the same regime (fewer than {@link VectorMatmul#LANE_ROWS} rows,
 * or at least that many).
 */
class BatchInvarianceTest {

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void aRowsResultDoesNotDependOnItsBatch(DType dtype) {
        try (Arena arena = Arena.ofShared(); VectorCpuBackend backend = new VectorCpuBackend(2)) {
            RandomTensors random = new RandomTensors(arena, 77);
            HostWeight w = (HostWeight) backend.weight(random.tensor("w", dtype, 203, 301, 1f));
            float[] row = random.floats(301, 1f);
            assertSameRow(backend, w, row, random, 2, 0, 5, 1);            // dot-product regime
            assertSameRow(backend, w, row, random, 8, 3, 23, 17);          // rows-in-lanes regime
        }
    }

    /** The row's output at position p of a batch of n, compared across batches of sizes n1 and n2 (same regime). */
    private static void assertSameRow(VectorCpuBackend backend, HostWeight w, float[] row, RandomTensors random,
                                      int n1, int p1, int n2, int p2) {
        assertArrayEquals(outputOf(backend, w, row, random, n1, p1), outputOf(backend, w, row, random, n2, p2),
                "row at " + p1 + " of " + n1 + " vs at " + p2 + " of " + n2);
    }

    private static float[] outputOf(VectorCpuBackend backend, HostWeight w, float[] row, RandomTensors random, int n, int at) {
        HostActivations x = new HostActivations(n, w.cols());
        System.arraycopy(random.floats(n * w.cols(), 2f), 0, x.data(), 0, n * w.cols());
        System.arraycopy(row, 0, x.data(), at * w.cols(), w.cols());
        HostActivations out = new HostActivations(n, w.rows());
        backend.matmul(w, x, n, out);
        return Arrays.copyOfRange(out.data(), at * w.rows(), (at + 1) * w.rows());
    }
}
