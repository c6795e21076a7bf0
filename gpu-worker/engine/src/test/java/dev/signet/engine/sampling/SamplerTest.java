package dev.signet.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Token choice: argmax, seeded reproducibility, and sampling that follows the filtered softmax. */
class SamplerTest {
    private static final float[] LOGITS = {1.0f, 3.0f, 2.0f, 0.5f, 3.0f, -1.0f};

    private static SamplingParams params(float temperature, int topK, float topP, long seed) {
        return new SamplingParams(temperature, topK, topP, OptionalLong.of(seed), 16, List.of(), false);
    }

    @Test
    void greedyTakesTheFirstLargestLogit() {
        Sampler s = new Sampler(SamplingParams.greedy(1));
        assertEquals(1, s.sample(LOGITS, 0, LOGITS.length));
        assertEquals(1, Sampler.argmax(new float[] {9, 0, 1, 5, 2}, 2, 3), "index within the window [1, 5, 2]");
    }

    @Test
    void theSameSeedGivesTheSameTokens() {
        int[] a = draws(params(1.3f, 0, 0.9f, 42), 200);
        assertThat(draws(params(1.3f, 0, 0.9f, 42), 200)).containsExactly(a);
        assertThat(draws(params(1.3f, 0, 0.9f, 43), 200)).isNotEqualTo(a);
    }

    @Test
    void topKOfOneIsGreedyWhateverTheTemperature() {
        assertThat(Arrays.stream(draws(params(5f, 1, 1f, 1), 100)).distinct().toArray()).containsExactly(1);
    }

    @Test
    void aTinyNucleusKeepsOnlyTheMostLikelyToken() {
        assertThat(Arrays.stream(draws(params(1f, 0, 0.01f, 1), 100)).distinct().toArray()).containsExactly(1);
    }

    /** Plain temperature sampling: 200k draws follow softmax(logits / T) (chi-square, 5 degrees of freedom, p = 0.001). */
    @Test
    void temperatureSamplingFollowsTheSoftmax() {
        float t = 0.8f;
        double[] expected = softmax(LOGITS, t, 6);
        assertChiSquare(draws(params(t, 0, 1f, 7), 200_000), expected, 20.52);
    }

    /** top-k = 3 keeps ids 1, 4 (tied, 0.422 each of the kept mass) and 2 (0.155); top-p 0.9 keeps all three, 0.5 only the tied pair. */
    @Test
    void topKThenTopPRenormaliseWhatIsKept() {
        double[] p = softmax(LOGITS, 1f, 3);
        int[] sample = draws(params(1f, 3, 0.9f, 3), 100_000);
        assertThat(Arrays.stream(sample).distinct().sorted().toArray()).containsExactly(1, 2, 4);
        assertChiSquare(sample, p, 13.82);
        int[] narrower = draws(params(1f, 3, 0.5f, 3), 20_000);
        assertThat(Arrays.stream(narrower).distinct().sorted().toArray()).containsExactly(1, 4);
    }

    /** Without top-k the nucleus is measured against the whole mass, even after the long-tail cut: {0.48, 0.28} for p = 0.5. */
    @Test
    void topPKeepsWhatHuggingFaceKeeps() {
        float[] logits = {(float) Math.log(0.48), (float) Math.log(0.28), (float) Math.log(0.24)};
        Sampler s = new Sampler(params(1f, 0, 0.5f, 17));
        int[] counts = new int[3];
        for (int i = 0; i < 50_000; i++) {
            counts[s.sample(logits, 0, 3)]++;
        }
        assertEquals(0, counts[2], "token 2 is outside the nucleus");
        assertThat(counts[1] / 50_000.0).as("token 1 share").isBetween(0.35, 0.39);  // 0.28 / 0.76
    }

    @Test
    void tinyTemperaturesAreGreedyAndNonFiniteLogitsAreRefused() {
        assertEquals(1, new Sampler(params(1e-30f, 0, 1f, 1)).sample(LOGITS, 0, LOGITS.length));
        float[] broken = {1f, Float.NaN, 2f};
        assertThrows(IllegalStateException.class, () -> new Sampler(params(1f, 0, 1f, 1)).sample(broken, 0, 3));
    }

    /** A small top-k over a large vocabulary takes the heap path; it must keep exactly the k largest. */
    @Test
    void topKOverALargeVocabularyKeepsTheKLargest() {
        float[] logits = new float[50_000];
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) rng.nextGaussian();
        }
        int[] order = java.util.stream.IntStream.range(0, logits.length).boxed()
                .sorted((a, b) -> Float.compare(logits[b], logits[a])).mapToInt(Integer::intValue).limit(5).toArray();
        Sampler s = new Sampler(params(50f, 5, 1f, 9));
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        for (int i = 0; i < 2000; i++) {
            seen.add(s.sample(logits, 0, logits.length));
        }
        assertThat(seen).containsExactlyInAnyOrder(Arrays.stream(order).boxed().toArray(Integer[]::new));
    }

    @Test
    void rejectsNonsenseParameters() {
        assertThrows(IllegalArgumentException.class, () -> params(-1f, 0, 1f, 1));
        assertThrows(IllegalArgumentException.class, () -> params(Float.NaN, 0, 1f, 1));
        assertThrows(IllegalArgumentException.class, () -> params(1f, -2, 1f, 1));
        assertThrows(IllegalArgumentException.class, () -> params(1f, 0, 0f, 1));
        assertThrows(IllegalArgumentException.class, () -> params(1f, 0, 1.5f, 1));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.greedy(0));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.greedy(4).withStopStrings(List.of("")));
    }

    private static int[] draws(SamplingParams p, int n) {
        Sampler s = new Sampler(p);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.sample(LOGITS, 0, LOGITS.length);
        }
        return out;
    }

    /** Softmax over the {@code keep} largest logits, others 0. */
    private static double[] softmax(float[] logits, float t, int keep) {
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        float threshold = sorted[sorted.length - keep];
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = logits[i] >= threshold ? Math.exp(logits[i] / t) : 0;
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static void assertChiSquare(int[] sample, double[] expected, double critical) {
        int[] counts = new int[expected.length];
        for (int s : sample) {
            counts[s]++;
        }
        double chi = 0;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == 0) {
                assertEquals(0, counts[i], "token " + i + " should never be drawn");
                continue;
            }
            double e = expected[i] * sample.length;
            chi += (counts[i] - e) * (counts[i] - e) / e;
        }
        assertThat(chi).as("chi-square of counts %s", Arrays.toString(counts)).isLessThan(critical);
    }
}
