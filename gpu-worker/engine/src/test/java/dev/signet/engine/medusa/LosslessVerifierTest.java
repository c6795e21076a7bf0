package dev.signet.engine.medusa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Lossless tree verification, checked statistically: decoding with a tree of fixed, deliberately imperfect guesses
 * must emit tokens distributed exactly as sampling from the model would (chi-square at p = 0.001), on a Markov
 * "model" over 8 tokens, one seed per draw.
 */
class LosslessVerifierTest {
    private static final int VOCAB = 8;
    private static final int DRAWS = 20_000;
    private static final MarkovModel MODEL = MarkovModel.random(VOCAB, 0.04, 2024);
    private static final int ROOT = 3;
    /** Three guesses for the token after the root, two below the first, one below that. */
    private static final MedusaTree TREE = MedusaTree.fromChoices(List.of(
            List.of(0), List.of(1), List.of(2), List.of(0, 0), List.of(0, 1), List.of(1, 0), List.of(0, 0, 0)), 3);
    /** Head guesses that do not depend on the context: right after the root at first, often wrong after that. */
    private static final int[][] DRAFTS = {
            {MODEL.argmax(ROOT), (MODEL.argmax(ROOT) + 3) % VOCAB, (MODEL.argmax(ROOT) + 5) % VOCAB},
            {MODEL.argmax(MODEL.argmax(ROOT)), 0},
            {6}};

    private static SamplingParams params(float temperature, int topK, float topP) {
        return new SamplingParams(temperature, topK, topP, OptionalLong.empty(), 16, List.of(), false);
    }

    @Test
    void emitsTheModelsDistributionForTheFirstTwoTokens() {
        Emissions e = decode(new LosslessVerifier(params(1f, 0, 1f)));
        ChiSquare.assertFollows(e.first, firstTokenProbabilities(1f, 0, 1f), "first token");
        ChiSquare.assertFollows(e.pairs, pairProbabilities(1f, 0, 1f), "first two tokens");
        assertThat(e.tokensPerStep()).as("the tree must be accepted often for the test to mean anything").isGreaterThan(1.3);
    }

    /** Warping changes the target: drafts outside the top-k or the nucleus have probability 0, always rejected. */
    @Test
    void emitsTheWarpedDistributionUnderTemperatureTopKAndTopP() {
        Emissions e = decode(new LosslessVerifier(params(0.8f, 6, 0.9f)));
        ChiSquare.assertFollows(e.first, firstTokenProbabilities(0.8f, 6, 0.9f), "first token");
        ChiSquare.assertFollows(e.pairs, pairProbabilities(0.8f, 6, 0.9f), "first two tokens");
        assertThat(e.tokensPerStep()).isGreaterThan(1.3);
    }

    /** The same chi-square tells a lossy verifier apart: typical acceptance over-emits the guesses. */
    @Test
    void theTestRejectsTypicalAcceptanceWhichIsNotLossless() {
        Emissions e = decode(new TypicalVerifier(params(1f, 0, 1f)));
        ChiSquare.Result first = ChiSquare.test(e.first, firstTokenProbabilities(1f, 0, 1f), "first token");
        assertThat(first.statistic()).isGreaterThan(first.critical());
    }

    @Test
    void aSeedReproducesTheOutput() {
        LosslessVerifier verifier = new LosslessVerifier(params(1f, 0, 1f));
        assertThat(run(verifier, 7, 40)).isEqualTo(run(verifier, 7, 40)).isNotEqualTo(run(verifier, 8, 40));
    }

    /** The same seed emits the same tokens with a wide tree, a chain or no draft at all: plain sampling's draws. */
    @Test
    void aSeedEmitsWhatPlainSamplingEmitsWhateverTheTree() {
        LosslessVerifier verifier = new LosslessVerifier(params(0.9f, 5, 0.95f));
        for (long seed = 0; seed < 50; seed++) {
            List<Integer> wide = tokens(verifier, TREE, seed, 30);
            assertThat(tokens(verifier, MedusaTree.chain(2), seed, 30)).as("seed %d, a chain", seed).isEqualTo(wide);
            assertThat(tokens(verifier, MedusaTree.chain(0), seed, 30)).as("seed %d, no draft", seed).isEqualTo(wide);
        }
    }

    /** The first {@code count} tokens a decode with {@code tree}'s shape emits. */
    private static List<Integer> tokens(TreeVerifier verifier, MedusaTree tree, long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Integer> out = new ArrayList<>();
        int root = ROOT;
        while (out.size() < count) {
            int[] treeTokens = TreeCandidates.fill(tree, root, DRAFTS);
            for (int t : verifier.verify(tree, treeTokens, MODEL.logits(treeTokens), 0, VOCAB, random).emitted(treeTokens)) {
                out.add(t);
            }
            root = out.getLast();
        }
        return out.subList(0, count);
    }

    @Test
    void greedyParametersFollowTheGreedyPath() {
        SplittableRandom rng = new SplittableRandom(3);
        MedusaTree tree = MedusaTree.fromChoices(MedusaTree.MC_SIM_7B_63, 4);
        int vocab = 12;
        LosslessVerifier lossless = new LosslessVerifier(SamplingParams.greedy(16));
        for (int trial = 0; trial < 200; trial++) {
            int[] tokens = new int[tree.size()];
            float[] logits = new float[tree.size() * vocab];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = rng.nextInt(3);  // few distinct tokens, so paths get accepted
            }
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) rng.nextGaussian() + (i % vocab < 3 ? 2f : 0f);
            }
            AcceptedPath greedy = new GreedyVerifier().verify(tree, tokens, logits, 0, vocab, new SplittableRandom(0));
            assertThat(lossless.verify(tree, tokens, logits, 0, vocab, new SplittableRandom(trial))).isEqualTo(greedy);
        }
        assertThat(TreeVerifier.exactFor(SamplingParams.greedy(16))).isInstanceOf(GreedyVerifier.class);
        assertThat(TreeVerifier.exactFor(params(0.7f, 0, 1f))).isInstanceOf(LosslessVerifier.class);
    }

    /** Counts of the first token and of the first two, over one decode per seed. */
    private record Emissions(long[] first, long[] pairs, long steps, long tokens) {
        double tokensPerStep() {
            return (double) tokens / steps;
        }
    }

    private static Emissions decode(TreeVerifier verifier) {
        long[] first = new long[VOCAB];
        long[] pairs = new long[VOCAB * VOCAB];
        long steps = 0;
        long tokens = 0;
        for (long seed = 0; seed < DRAWS; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            List<Integer> out = new ArrayList<>();
            while (out.size() < 2) {
                int root = out.isEmpty() ? ROOT : out.getLast();
                int[] treeTokens = TreeCandidates.fill(TREE, root, DRAFTS);
                int[] emitted = verifier.verify(TREE, treeTokens, MODEL.logits(treeTokens), 0, VOCAB, random).emitted(treeTokens);
                steps++;
                tokens += emitted.length;
                for (int t : emitted) {
                    out.add(t);
                }
            }
            first[out.get(0)]++;
            pairs[out.get(0) * VOCAB + out.get(1)]++;
        }
        return new Emissions(first, pairs, steps, tokens);
    }

    private static List<String> run(TreeVerifier verifier, long seed, int steps) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> out = new ArrayList<>();
        int root = ROOT;
        for (int s = 0; s < steps; s++) {
            int[] treeTokens = TreeCandidates.fill(TREE, root, DRAFTS);
            AcceptedPath path = verifier.verify(TREE, treeTokens, MODEL.logits(treeTokens), 0, VOCAB, random);
            out.add(path.toString());
            root = path.bonusToken();
        }
        return out;
    }

    private static double[] firstTokenProbabilities(float temperature, int topK, float topP) {
        return warped(ROOT, temperature, topK, topP);
    }

    private static double[] pairProbabilities(float temperature, int topK, float topP) {
        double[] first = warped(ROOT, temperature, topK, topP);
        double[] pairs = new double[VOCAB * VOCAB];
        for (int a = 0; a < VOCAB; a++) {
            double[] second = warped(a, temperature, topK, topP);
            for (int b = 0; b < VOCAB; b++) {
                pairs[a * VOCAB + b] = first[a] * second[b];
            }
        }
        return pairs;
    }

    /**
     * The sampler's target after {@code previous}, computed independently: softmax(logits / T), the top-k most
     * likely (all when 0), then the fewest of those, most likely first, holding top-p of their mass.
     */
    private static double[] warped(int previous, float temperature, int topK, float topP) {
        float[] logits = MODEL.logits(new int[] {previous});
        Integer[] order = new Integer[VOCAB];
        double[] p = new double[VOCAB];
        for (int b = 0; b < VOCAB; b++) {
            order[b] = b;
            p[b] = Math.exp(logits[b] / temperature);
        }
        Arrays.sort(order, (x, y) -> Double.compare(p[y], p[x]));
        int k = topK == 0 ? VOCAB : topK;
        double mass = 0;
        for (int i = 0; i < k; i++) {
            mass += p[order[i]];
        }
        double kept = 0;
        int cut = 0;
        while (cut < k && kept < topP * mass) {
            kept += p[order[cut++]];
        }
        double[] out = new double[VOCAB];
        for (int i = 0; i < cut; i++) {
            out[order[i]] = p[order[i]] / kept;
        }
        return out;
    }
}
