package dev.signet.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.DeltaSegment;
import dev.signet.engine.backend.DeltaWeight;
import dev.signet.engine.backend.Weight;
import dev.signet.engine.bench.GpuBenchmark;
import dev.signet.engine.bench.GpuMedusaBenchmark;
import dev.signet.engine.bench.MedusaAcceptance;
import dev.signet.engine.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Weights and sign planes made on the device for {@code signet bench gpu}, and the benchmark end to end on a small cut,
 * its Medusa part included.
 */
class CudaSyntheticModelTest {
    private static final int ROWS = 64;
    private static final int COLS = 256;

    @BeforeEach
    void gpu() {
        GpuAssumption.requireGpu();
    }

    private static float[] input() {
        SplittableRandom rng = new SplittableRandom(3);
        float[] x = new float[COLS];
        for (int i = 0; i < COLS; i++) {
            x[i] = (float) rng.nextDouble(-1, 1);
        }
        return x;
    }

    private static double l1(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += Math.abs(v);
        }
        return sum;
    }

    private static float[] project(CudaBackend backend, Weight w, DeltaWeight delta, float[] x) {
        Activations in = backend.activations(1, COLS);
        Activations out = backend.activations(1, ROWS);
        backend.write(x, 1, in);
        List<DeltaSegment> segs = delta == null ? List.of() : List.of(new DeltaSegment(0, 1, new DeltaWeight[] {delta}));
        backend.matmul(in, 1, new Weight[] {w}, new Activations[] {out}, segs);
        float[] y = new float[ROWS];
        backend.read(out, 1, y);
        return y;
    }

    @Test
    void randomWeightsAreReproducibleBoundedAndDifferBySeed() {
        float[] x = input();
        double l1 = l1(x);
        try (CudaBackend backend = new CudaBackend()) {
            float[] a = project(backend, backend.randomF16Weight("a", ROWS, COLS, 1, 0.5f), null, x);
            float[] same = project(backend, backend.randomF16Weight("b", ROWS, COLS, 1, 0.5f), null, x);
            float[] other = project(backend, backend.randomF16Weight("c", ROWS, COLS, 2, 0.5f), null, x);
            assertArrayEquals(a, same, "the same seed makes the same weight");
            assertThat(a).isNotEqualTo(other);
            for (float v : a) {
                assertThat(Double.isFinite(v) && Math.abs(v) <= 0.5 * l1).as("row sum %s within ±scale·|x|₁", v).isTrue();
            }
            assertThat(a).as("not all zero").isNotEqualTo(new float[ROWS]);
        }
    }

    @Test
    void randomDeltasAddTheirSignTermOfTheirScale() {
        float[] x = input();
        double l1 = l1(x);
        try (CudaBackend backend = new CudaBackend()) {
            Weight w = backend.randomF16Weight("w", ROWS, COLS, 5, 0.1f);
            float[] base = project(backend, w, null, x);
            try (DeltaWeight d1 = backend.randomDelta("d1", ROWS, COLS, 9, 0.01f);
                 DeltaWeight d2 = backend.randomDelta("d2", ROWS, COLS, 10, 0.01f)) {
                float[] t1 = project(backend, w, d1, x);
                float[] t2 = project(backend, w, d2, x);
                assertThat(t1).isNotEqualTo(base).isNotEqualTo(t2);
                for (int j = 0; j < ROWS; j++) {
                    // the sign term is Σ ±scale·x: at most scale·|x|₁, and a row of random signs is almost never 0
                    assertThat(Math.abs(t1[j] - base[j])).isLessThanOrEqualTo((float) (0.01 * l1 + 1e-4));
                }
            }
        }
    }

    /** Every cell, and the Medusa part with the acceptance measured on the fixture heads (32 tokens per prompt). */
    @Test
    void benchmarkRunsEveryCellAndTheMedusaPartOnACutModel() {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        try (CudaBackend backend = new CudaBackend()) {
            List<MedusaAcceptance> acceptance = MedusaAcceptance.measure(backend, Fixtures.root(), 32, out);
            assertThat(acceptance).extracting(MedusaAcceptance::heads).containsExactly("base", "caps");
            for (MedusaAcceptance a : acceptance) {
                assertThat(a.draftRows()).containsExactly(1, 2, 4, 8, 16, 32, 61);
                for (double t : a.tokensPerStep()) {
                    assertThat(t).as("tokens per step of %s heads", a.heads()).isBetween(1.0, 4.0);   // 3 heads: at most 4
                }
            }
            Map<String, Object> doc = new GpuBenchmark(backend, GpuBenchmark.Shape.llama2_7b(1), 1, 32,
                    new GpuMedusaBenchmark(acceptance), null).run(out, out);
            assertThat((List<?>) doc.get("cells")).hasSize(9);
            assertThat((double) doc.get("base_decode_over_floor")).isFinite().isPositive();
            assertThat((double) doc.get("speedup_vs_dense_8_tenants")).isFinite().isPositive();
            assertThat((double) doc.get("copy_bandwidth_bytes_per_second")).isGreaterThan(1e9);

            Map<?, ?> medusa = (Map<?, ?>) doc.get("medusa");
            List<?> results = (List<?>) medusa.get("results");
            assertThat(results).hasSize(4);   // base and caps heads at batch 1 and 8
            for (Object o : results) {
                Map<?, ?> r = (Map<?, ?>) o;
                assertThat((List<?>) r.get("trees")).as("tree sizes of %s", r).hasSize(7).allSatisfy(t -> {
                    assertThat((double) ((Map<?, ?>) t).get("predicted_speedup")).isFinite().isPositive();
                    assertThat((double) ((Map<?, ?>) t).get("tree_step_ms")).isFinite().isPositive();
                });
                assertThat(r.get("best")).isNotNull();
            }
            assertThat(((Map<?, ?>) medusa.get("best")).keySet()).map(Object::toString).containsExactlyInAnyOrder("base_batch_1", "base_batch_8", "caps_batch_1", "caps_batch_8");
        }
        assertThat(text.toString(StandardCharsets.UTF_8)).contains("rows 32, tenants 32").contains("targets:")
                .contains("Medusa on the synthetic shape").contains("best:");
    }
}
