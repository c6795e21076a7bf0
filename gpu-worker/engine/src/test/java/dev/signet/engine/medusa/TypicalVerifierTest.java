package dev.signet.engine.medusa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.sampling.SamplingParams;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Medusa's typical acceptance: accept above min(ε, α·exp(−H)), keep the longest path, draw the bonus at its end. */
class TypicalVerifierTest {
    private static final int VOCAB = 4;
    private static final SamplingParams T1 = new SamplingParams(1f, 0, 1f, OptionalLong.empty(), 16, List.of(), false);

    private static float[] rows(double[]... probabilities) {
        float[] logits = new float[probabilities.length * VOCAB];
        for (int i = 0; i < probabilities.length; i++) {
            for (int t = 0; t < VOCAB; t++) {
                logits[i * VOCAB + t] = (float) Math.log(probabilities[i][t]);
            }
        }
        return logits;
    }

    /** A row certain of token 2: the bonus drawn there is 2 whatever the seed. */
    private static final double[] CERTAIN_2 = {1e-9, 1e-9, 1 - 3e-9, 1e-9};

    /**
     * p = [0.7, 0.2, 0.05, 0.05]: H = 0.87 nats, α·exp(−H) = 0.125, so the threshold is ε = 0.09; the child on
     * token 0 (0.7) passes, the one on token 2 (0.05) does not.
     */
    @Test
    void acceptsALikelyChildAndRejectsAnUnlikelyOne() {
        MedusaTree tree = MedusaTree.topK(2, 1);
        float[] logits = rows(new double[] {0.7, 0.2, 0.05, 0.05}, CERTAIN_2, CERTAIN_2);
        TypicalVerifier verifier = new TypicalVerifier(T1);
        AcceptedPath likely = verifier.verify(tree, new int[] {1, 2, 0}, logits, 0, VOCAB, new SplittableRandom(1));
        assertThat(likely.nodes()).containsExactly(0, 2);
        assertThat(likely.bonusToken()).isEqualTo(2);
        AcceptedPath unlikely = verifier.verify(tree, new int[] {1, 2, 3}, logits, 0, VOCAB, new SplittableRandom(1));
        assertThat(unlikely.nodes()).containsExactly(0);
    }

    /**
     * Uniform over 4: H = ln 4 (less Medusa's 1e-5 inside the log), α·exp(−H) ≈ 0.075 < ε, so 0.25 passes; with
     * ε = 0.3 and α = 1.2 the threshold is 0.3 and nothing does.
     */
    @Test
    void theThresholdFollowsTheEntropy() {
        MedusaTree tree = MedusaTree.chain(1);
        double[] uniform = {0.25, 0.25, 0.25, 0.25};
        float[] logits = rows(uniform, CERTAIN_2);
        assertThat(new TypicalVerifier(T1).verify(tree, new int[] {0, 3}, logits, 0, VOCAB, new SplittableRandom(1)).nodes())
                .containsExactly(0, 1);
        assertThat(new TypicalVerifier(T1, 0.3, 1.2).verify(tree, new int[] {0, 3}, logits, 0, VOCAB, new SplittableRandom(1)).nodes())
                .containsExactly(0);
    }

    /**
     * Both depth-1 children pass; only the second has a passing child, so the longest path goes through it; of two
     * passing leaves below it, the likelier wins.
     */
    @Test
    void keepsTheLongestAcceptedPathAndTheLikelierOnATie() {
        MedusaTree tree = MedusaTree.topK(2, 2);  // 1 [0], 2 [1], 3 [0,0], 4 [0,1], 5 [1,0], 6 [1,1]
        int[] tokens = TreeCandidates.fill(tree, 0, new int[][] {{0, 1}, {2, 3}});  // 0 | 0 1 | 2 3 2 3
        float[] logits = rows(
                new double[] {0.5, 0.4, 0.05, 0.05},    // root: both children pass
                new double[] {0.9, 0.04, 0.03, 0.03},   // node 1: neither 2 nor 3 passes
                new double[] {0.1, 0.1, 0.3, 0.5},      // node 2: both pass, 3 likelier
                CERTAIN_2, CERTAIN_2, CERTAIN_2, CERTAIN_2);
        AcceptedPath path = new TypicalVerifier(T1).verify(tree, tokens, logits, 0, VOCAB, new SplittableRandom(5));
        assertThat(path.nodes()).containsExactly(0, 2, 6);
        assertThat(path.emitted(tokens)).containsExactly(1, 3, 2);
    }

    /** The bonus is a draw from the model at the end of the path, so over seeds it follows that row. */
    @Test
    void drawsTheBonusFromTheLastAcceptedNode() {
        MedusaTree tree = MedusaTree.chain(1);
        float[] logits = rows(new double[] {0.97, 0.01, 0.01, 0.01}, new double[] {0.5, 0.0001, 0.4999, 0.0});
        TypicalVerifier verifier = new TypicalVerifier(T1);
        int[] bonus = new int[VOCAB];
        for (long seed = 0; seed < 4000; seed++) {
            AcceptedPath path = verifier.verify(tree, new int[] {3, 0}, logits, 0, VOCAB, new SplittableRandom(seed));
            assertThat(path.nodes()).containsExactly(0, 1);
            bonus[path.bonusToken()]++;
        }
        assertThat(bonus[0] / 4000.0).isBetween(0.46, 0.54);
        assertThat(bonus[3]).isZero();
    }

    @Test
    void temperatureZeroIsGreedy() {
        MedusaTree tree = MedusaTree.topK(2, 1);
        float[] logits = rows(new double[] {0.3, 0.4, 0.2, 0.1}, CERTAIN_2, CERTAIN_2);
        AcceptedPath path = new TypicalVerifier(SamplingParams.greedy(8)).verify(tree, new int[] {0, 0, 1}, logits, 0, VOCAB,
                new SplittableRandom(1));
        assertThat(path.nodes()).containsExactly(0, 2);
        assertThat(path.bonusToken()).isEqualTo(2);
    }
}
