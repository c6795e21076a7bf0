package dev.signet.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.signet.engine.backend.DeltaSegment;
import dev.signet.engine.backend.DeltaWeight;
import dev.signet.engine.backend.Weight;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.testing.RandomTensors;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The matmul regimes are batch-invariant bit for bit: a row's result is the same whatever other rows share
 * its step, as long as the steps fall in the same regime (fewer than {@link VectorMatmul#LANE_ROWS} rows,
 * or at least that many), and whatever other rows share its tenant's delta segment.
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

    /**
     * A tenant's row gets the same output bit for bit whether its segment holds it alone or with others, as
     * the single row of a 4 × 1 tile or either row of a 4 × 2 tile (steps of one size, so the base product's
     * regime is the same). 203 × 301: outputs past the last tile, columns past the last word and group.
     */
    @Test
    void aTenantRowsResultDoesNotDependOnItsSegment() {
        try (Arena arena = Arena.ofShared(); VectorCpuBackend backend = new VectorCpuBackend(2)) {
            RandomTensors random = new RandomTensors(arena, 78);
            HostWeight w = (HostWeight) backend.weight(random.tensor("w", DType.F32, 203, 301, 1f));
            DeltaWeight delta = backend.delta(random.signMatrix("w", 203, 301, 2));
            float[] row = random.floats(301, 1f);
            float[] alone = tenantOutput(backend, w, delta, row, random, 13, 5, 5, 1);
            assertArrayEquals(alone, tenantOutput(backend, w, delta, row, random, 13, 5, 0, 13), "second of a pair");
            assertArrayEquals(alone, tenantOutput(backend, w, delta, row, random, 13, 5, 5, 8), "first of a pair");
            assertArrayEquals(tenantOutput(backend, w, delta, row, random, 3, 1, 1, 1),
                    tenantOutput(backend, w, delta, row, random, 3, 1, 0, 3), "dot-product regime");
        }
    }

    /** Output of the row at position {@code at} of an n-row step whose rows [first, first + count) run under delta. */
    private static float[] tenantOutput(VectorCpuBackend backend, HostWeight w, DeltaWeight delta, float[] row,
                                        RandomTensors random, int n, int at, int first, int count) {
        HostActivations x = new HostActivations(n, w.cols());
        System.arraycopy(random.floats(n * w.cols(), 2f), 0, x.data(), 0, n * w.cols());
        System.arraycopy(row, 0, x.data(), at * w.cols(), w.cols());
        HostActivations out = new HostActivations(n, w.rows());
        backend.matmul(x, n, new Weight[] {w}, new HostActivations[] {out},
                List.of(new DeltaSegment(first, count, new DeltaWeight[] {delta})));
        return Arrays.copyOfRange(out.data(), at * w.rows(), (at + 1) * w.rows());
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
