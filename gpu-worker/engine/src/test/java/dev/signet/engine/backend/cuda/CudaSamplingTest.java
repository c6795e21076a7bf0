package dev.signet.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.generate.GenerationResult;
import dev.signet.engine.sampling.RowSampling;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.testing.SampledGeneration;
import dev.signet.engine.testing.SamplingCases;
import dev.signet.engine.testing.SamplingCases.Batch;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code sample_rows} against the host sampler ({@link RowSampling#pick}, i.e. {@code TokenDistribution}) on the same
 * logits and draws: every setting of {@link SamplingCases} (greedy, temperatures, top-p 0.1–1.0, top-k), vocabularies
 * of 7 to Llama 3's 128256, with and without ties, many seeds; and stories260K decoding on the GPU with its rows
 * sampled on the device gives the tokens of sampling its logits on the host. Skipped without a GPU.
 */
class CudaSamplingTest {
    @BeforeEach
    void needsAGpu() {
        GpuAssumption.requireGpu();
    }

    @ParameterizedTest(name = "vocab {0}")
    @ValueSource(ints = {7, 1000, 32000, 128256})
    void picksTheHostSamplersToken(int vocab) {
        List<String> differences = new ArrayList<>();
        int checked = 0;
        try (CudaBackend backend = new CudaBackend()) {
            Activations logits = null;
            for (long seed = 1; seed <= 8; seed++) {
                Batch b = SamplingCases.batch(vocab, seed, seed % 2 == 0);
                int rows = b.rows().length;
                if (logits == null) {
                    logits = backend.activations(rows, vocab);
                }
                backend.write(b.logits(), rows, logits);
                int[] device = backend.sample(logits, rows, b.rows());
                for (int r = 0; r < rows; r++, checked++) {
                    int host = b.rows()[r].pick(b.logits(), r * vocab, vocab);
                    if (device[r] != host) {
                        differences.add(b.describe(r) + " seed " + seed + ": device " + device[r] + ", host " + host);
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(300);
        assertThat(differences).as("rows where the device's token differs from the host sampler's").isEmpty();
    }

    @Test
    void skipsRowsWithoutParametersAndRefusesNonFiniteLogits() {
        try (CudaBackend backend = new CudaBackend()) {
            Activations logits = backend.activations(3, 3);
            backend.write(new float[] {0, 5, 5, Float.NaN, 1, 2, 1, Float.POSITIVE_INFINITY, 0}, 3, logits);
            RowSampling greedy = new RowSampling(SamplingParams.greedy(1), 0);
            RowSampling hot = new RowSampling(new SamplingParams(1f, 0, 0.9f, OptionalLong.empty(), 1, List.of(), false), 0.5);
            assertArrayEquals(new int[] {1, -1, -1}, backend.sample(logits, 3, new RowSampling[] {greedy, null, null}),
                    "greedy takes the first of equal largest logits");
            assertThrows(IllegalStateException.class, () -> backend.sample(logits, 2, new RowSampling[] {null, hot}));
            assertThrows(IllegalStateException.class, () -> backend.sample(logits, 3, new RowSampling[] {null, null, greedy}));
            assertThrows(IllegalArgumentException.class, () -> backend.sample(logits, 4, new RowSampling[4]));
        }
    }

    @Test
    void decodingWithTheDeviceSamplingGivesTheHostsTokens() {
        List<GenerationResult> host;
        List<GenerationResult> device;
        try (CudaBackend backend = new CudaBackend()) {
            assertThat(backend.samplesOnDevice()).isTrue();
            host = SampledGeneration.generate(backend, false);
            device = SampledGeneration.generate(backend, true);
        }
        for (int i = 0; i < host.size(); i++) {
            assertArrayEquals(host.get(i).tokens(), device.get(i).tokens(), "request " + i);
        }
    }
}
