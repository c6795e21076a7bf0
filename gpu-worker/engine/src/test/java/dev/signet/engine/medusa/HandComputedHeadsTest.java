package dev.signet.engine.medusa;

import static dev.signet.engine.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.Weight;
import dev.signet.engine.model.LlamaConfig;
import dev.signet.engine.model.RopeScaling;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.SafetensorsWriter;
import dev.signet.engine.safetensors.SafetensorsWriter.PendingTensor;
import dev.signet.engine.safetensors.TensorEntry;
import dev.signet.engine.testing.Backends;
import dev.signet.engine.testing.RandomTensors;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Synthetic heads in both layouts, written with SafetensorsWriter, against the definition computed by hand in
 * double: {@code lm_i(resblocks_i(h))} with {@code lm_i} each head's own projection (Medusa-1) or the model's
 * lm_head (Signet's). Three ResBlocks per head (so buffers alternate), a width that is no multiple of a vector,
 * weights in f32, bf16 and f16, and config.json without {@code shares_lm_head}: the layout is inferred.
 */
class HandComputedHeadsTest {
    private static final int HEADS = 2;
    private static final int LAYERS = 3;
    private static final int DIM = 24;
    private static final int VOCAB = 40;
    private static final int ROWS = 3;
    private static final LlamaConfig MODEL = new LlamaConfig(VOCAB, DIM, 48, 1, 4, 2, 6, 128, 1e-5f, 10000,
            new RopeScaling.None(), true, List.of());

    @TempDir
    Path dir;
    private Arena arena;
    private RandomTensors random;

    @BeforeEach
    void open() {
        arena = Arena.ofShared();
        random = new RandomTensors(arena, 4321);
    }

    @AfterEach
    void close() {
        arena.close();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"own projections, reference", "own projections, cpu", "shared lm_head, reference", "shared lm_head, cpu"})
    void logitsAreTheProjectionOfTheResBlocks(String layout, String backendName) throws IOException {
        boolean shared = layout.startsWith("shared");
        Map<String, TensorEntry> tensors = new LinkedHashMap<>();
        for (int i = 0; i < HEADS; i++) {
            DType linearType = i == 0 ? DType.F32 : DType.BF16;
            for (int l = 0; l < LAYERS; l++) {
                // Small weights keep the residual stream's scale, as trained heads do; bias spans SiLU's bend.
                put(tensors, random.tensor(MedusaHeads.linearName(i, l), linearType, DIM, DIM, 0.3f));
                put(tensors, random.tensor(MedusaHeads.biasName(i, l), DType.F16, 0, DIM, 1.5f));
            }
            if (!shared) {
                put(tensors, random.tensor(MedusaHeads.projectionName(i, LAYERS), DType.F32, VOCAB, DIM, 1f));
            }
        }
        writeHeads(dir, tensors.values());
        TensorEntry lmHead = random.tensor("lm_head.weight", DType.BF16, VOCAB, DIM, 1f);
        float[] hidden = random.floats(ROWS * DIM, 2f);

        float[] actual;
        try (Backend backend = Backends.open(backendName);
             MedusaHeads medusa = MedusaHeads.load(dir, MODEL, backend)) {
            assertThat(medusa.sharesLmHead()).isEqualTo(shared);
            assertThat(medusa.count()).isEqualTo(HEADS);
            Weight classifier = shared ? backend.weight(lmHead) : null;  // a head with its own projection needs none
            actual = medusa.logits(hidden, ROWS, classifier);
        }

        float[] expected = new float[ROWS * HEADS * VOCAB];
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < HEADS; i++) {
                double[] x = new double[DIM];
                for (int d = 0; d < DIM; d++) {
                    x[d] = hidden[r * DIM + d];
                }
                for (int l = 0; l < LAYERS; l++) {
                    double[] z = times(tensors.get(MedusaHeads.linearName(i, l)), x);
                    TensorEntry bias = tensors.get(MedusaHeads.biasName(i, l));
                    for (int d = 0; d < DIM; d++) {
                        double v = z[d] + bias.dtype().floatAt(bias.data(), d);
                        x[d] += v / (1 + Math.exp(-v));
                    }
                }
                double[] logits = times(shared ? lmHead : tensors.get(MedusaHeads.projectionName(i, LAYERS)), x);
                for (int v = 0; v < VOCAB; v++) {
                    expected[(r * HEADS + i) * VOCAB + v] = (float) logits[v];
                }
            }
        }
        assertClose(actual, expected, 1e-5, layout + " on " + backendName);
    }

    private static void put(Map<String, TensorEntry> tensors, TensorEntry t) {
        tensors.put(t.name(), t);
    }

    /** {@code W · x} in double, W [out, in] as stored. */
    private static double[] times(TensorEntry w, double[] x) {
        int out = (int) w.dim(0);
        int in = (int) w.dim(1);
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                y[o] += w.dtype().floatAt(w.data(), (long) o * in + i) * x[i];
            }
        }
        return y;
    }

    private static void writeHeads(Path dir, Iterable<TensorEntry> tensors) throws IOException {
        Files.writeString(dir.resolve(MedusaConfig.FILE), """
                {"medusa_num_heads": %d, "medusa_num_layers": %d, "hidden_size": %d, "vocab_size": %d}
                """.formatted(HEADS, LAYERS, DIM, VOCAB));
        List<PendingTensor> pending = new ArrayList<>();
        for (TensorEntry t : tensors) {
            pending.add(PendingTensor.copyOf(t.name(), t.dtype(), t.shape(), t.data()));
        }
        SafetensorsWriter.write(dir.resolve(MedusaHeads.FILE), Map.of("format", "pt"), pending);
    }
}
