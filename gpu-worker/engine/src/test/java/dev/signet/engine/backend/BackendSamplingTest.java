package dev.signet.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.backend.reference.ReferenceBackend;
import dev.signet.engine.sampling.RowSampling;
import dev.signet.engine.sampling.Sampler;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.testing.SamplingCases;
import dev.signet.engine.testing.SamplingCases.Batch;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Backend#sample} on the host backends picks, for every row, the token a request's own seeded {@link Sampler}
 * picks from the same logits: the draw taken beforehand ({@link Sampler#nextDraw}) is the one {@code sample} takes.
 */
class BackendSamplingTest {
    static Stream<Arguments> backends() {
        return Stream.of(Arguments.of("reference", (Supplier<Backend>) ReferenceBackend::new),
                Arguments.of("cpu", (Supplier<Backend>) () -> new VectorCpuBackend(1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void picksWhatTheSeededSamplerPicks(String name, Supplier<Backend> open) {
        try (Backend backend = open.get()) {
            for (int vocab : new int[] {7, 1000, 32000}) {
                for (long seed = 1; seed <= 3; seed++) {
                    Batch b = SamplingCases.batch(vocab, seed, seed == 2);
                    int rows = b.rows().length;
                    RowSampling[] drawn = new RowSampling[rows];
                    int[] expected = new int[rows];
                    for (int r = 0; r < rows; r++) {
                        SamplingParams p = withSeed(b.rows()[r].params(), seed * 1000 + r);
                        drawn[r] = new Sampler(p).nextDraw();
                        expected[r] = new Sampler(p).sample(b.logits(), r * vocab, vocab);
                    }
                    Activations logits = backend.activations(rows, vocab);
                    backend.write(b.logits(), rows, logits);
                    assertArrayEquals(expected, backend.sample(logits, rows, drawn), name + ", vocab " + vocab + ", seed " + seed);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void skipsRowsWithoutParametersAndRefusesNonFiniteLogits(String name, Supplier<Backend> open) {
        try (Backend backend = open.get()) {
            Activations logits = backend.activations(2, 3);
            backend.write(new float[] {0, 5, 1, Float.NaN, 1, 2}, 2, logits);
            RowSampling greedy = new RowSampling(SamplingParams.greedy(1), 0);
            assertArrayEquals(new int[] {1, -1}, backend.sample(logits, 2, new RowSampling[] {greedy, null}));
            RowSampling hot = new RowSampling(new SamplingParams(1f, 0, 1f, OptionalLong.empty(), 1, List.of(), false), 0.5);
            assertThrows(IllegalStateException.class, () -> backend.sample(logits, 2, new RowSampling[] {null, hot}));
            assertThrows(IllegalArgumentException.class, () -> backend.sample(logits, 2, new RowSampling[] {greedy}));
        }
    }

    /** A sequence's tokens drawn ahead one by one equal those its sampler draws as it goes, token after token. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void drawingAheadKeepsTheSeedsStream(String name, Supplier<Backend> open) {
        Batch b = SamplingCases.batch(500, 9, false);
        SamplingParams p = withSeed(new SamplingParams(0.8f, 0, 0.9f, OptionalLong.empty(), 1, List.of(), false), 77);
        Sampler asItGoes = new Sampler(p);
        Sampler ahead = new Sampler(p);
        try (Backend backend = open.get()) {
            Activations logits = backend.activations(1, 500);
            for (int step = 0; step < b.rows().length; step++) {
                backend.write(java.util.Arrays.copyOfRange(b.logits(), step * 500, step * 500 + 500), 1, logits);
                int expected = asItGoes.sample(b.logits(), step * 500, 500);
                assertEquals(expected, backend.sample(logits, 1, new RowSampling[] {ahead.nextDraw()})[0], "step " + step);
            }
        }
        assertEquals(asItGoes.random().nextLong(), ahead.random().nextLong(), "both streams moved alike");
    }

    /** Top-p below 1/n over equal logits once cut every token; the argmax always stays in the nucleus. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aTinyTopPOverEqualLogitsKeepsTheFirst(String name, Supplier<Backend> open) {
        try (Backend backend = open.get()) {
            Activations logits = backend.activations(1, 2);
            backend.write(new float[] {3, 3}, 1, logits);
            RowSampling tiny = new RowSampling(new SamplingParams(1f, 0, 0.1f, OptionalLong.empty(), 1, List.of(), false), 0.99);
            assertThat(backend.sample(logits, 1, new RowSampling[] {tiny})).containsExactly(0);
        }
    }

    private static SamplingParams withSeed(SamplingParams p, long seed) {
        return new SamplingParams(p.temperature(), p.topK(), p.topP(), OptionalLong.of(seed), 1, List.of(), false);
    }
}
