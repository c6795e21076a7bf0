package dev.signet.engine.medusa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Greedy tree verification: the argmax path, cut at the first miss, and the same output as greedy decoding. */
class GreedyVerifierTest {
    private static final int VOCAB = 32;
    /**
     * Two guesses per head, two heads: nodes 1 [0], 2 [1], 3 [0,0], 4 [0,1], 5 [1,0], 6 [1,1]. Head 0 guesses
     * 10 then 11, head 1 guesses 20 then 21; the root is token 5.
     */
    private static final MedusaTree TREE = MedusaTree.topK(2, 2);
    private static final int[] TOKENS = TreeCandidates.fill(TREE, 5, new int[][] {{10, 11}, {20, 21}});
    private static final SplittableRandom UNUSED = new SplittableRandom(0);

    /** Logits whose row i peaks at {@code argmax[i]}. */
    private static float[] peaks(int... argmax) {
        float[] logits = new float[argmax.length * VOCAB];
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < argmax.length; i++) {
            logits[i * VOCAB + argmax[i]] = 10f;
        }
        return logits;
    }

    @Test
    void theTreeHoldsTheExpectedTokens() {
        assertThat(TOKENS).containsExactly(5, 10, 11, 20, 21, 20, 21);
    }

    @Test
    void acceptsTheArgmaxPathAndTakesTheBonusFromItsEnd() {
        // Root's argmax 11 = node 2; node 2's argmax 20 = node 5 (a leaf); node 5's argmax 7 is the bonus.
        float[] logits = peaks(11, 0, 20, 0, 0, 7, 0);
        AcceptedPath path = new GreedyVerifier().verify(TREE, TOKENS, logits, 0, VOCAB, UNUSED);
        assertThat(path.nodes()).containsExactly(0, 2, 5);
        assertThat(path.bonusToken()).isEqualTo(7);
        assertThat(path.emitted(TOKENS)).containsExactly(11, 20, 7);
    }

    @Test
    void stopsAtTheFirstMismatchAndEmitsTheModelsToken() {
        float[] logits = peaks(10, 3, 20, 20, 20, 20, 20);  // node 1 [10] accepted, but the model wants 3 after it
        AcceptedPath path = new GreedyVerifier().verify(TREE, TOKENS, logits, 0, VOCAB, UNUSED);
        assertThat(path.nodes()).containsExactly(0, 1);
        assertThat(path.emitted(TOKENS)).containsExactly(10, 3);

        AcceptedPath none = new GreedyVerifier().verify(TREE, TOKENS, peaks(12, 20, 20, 0, 0, 0, 0), 0, VOCAB, UNUSED);
        assertThat(none.nodes()).containsExactly(0);
        assertThat(none.emitted(TOKENS)).as("a miss at the root still yields the model's own token").containsExactly(12);
    }

    @Test
    void readsRowsFromAnOffset() {
        float[] logits = peaks(9, 10, 11, 0, 0, 0, 0, 0);  // a foreign row first
        AcceptedPath path = new GreedyVerifier().verify(TREE, TOKENS, logits, VOCAB, VOCAB, UNUSED);
        assertThat(path.nodes()).containsExactly(0, 1);
        assertThat(path.bonusToken()).isEqualTo(11);
    }

    /** Decoding 60 tokens of a Markov model with Medusa's tree and imperfect guesses gives plain greedy decoding's tokens. */
    @Test
    void reproducesPlainGreedyDecoding() {
        MarkovModel model = MarkovModel.random(16, 0.01, 9);
        MedusaTree tree = MedusaTree.fromChoices(MedusaTree.MC_SIM_7B_63, 4);
        List<Integer> plain = new ArrayList<>(List.of(4));
        while (plain.size() < 61) {
            plain.add(model.argmax(plain.getLast()));
        }
        int[][] guesses = new int[4][10];
        List<Integer> medusa = new ArrayList<>(List.of(4));
        int steps = 0;
        while (medusa.size() < 61) {
            // Guesses that are right some of the time: the true continuation at ranks that vary.
            int last = medusa.getLast();
            for (int h = 0; h < 4; h++) {
                for (int r = 0; r < 10; r++) {
                    guesses[h][r] = (last * 7 + h * 3 + r) % 16;
                }
            }
            int[] tokens = TreeCandidates.fill(tree, last, guesses);
            AcceptedPath path = new GreedyVerifier().verify(tree, tokens, model.logits(tokens), 0, 16, UNUSED);
            for (int t : path.emitted(tokens)) {
                medusa.add(t);
            }
            steps++;
        }
        assertThat(medusa.subList(0, 61)).isEqualTo(plain);
        assertThat(steps).as("the tree sped decoding up").isLessThan(60);
    }

    @Test
    void refusesLogitsThatDoNotCoverTheTree() {
        assertThatThrownBy(() -> new GreedyVerifier().verify(TREE, TOKENS, new float[6 * VOCAB], 0, VOCAB, UNUSED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7 rows of 32");
        assertThatThrownBy(() -> new GreedyVerifier().verify(TREE, new int[3], new float[7 * VOCAB], 0, VOCAB, UNUSED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7 nodes but 3 tokens");
        float[] nan = peaks(11, 0, 20, 0, 0, 7, 0);
        nan[5] = Float.NaN;
        nan[11] = Float.POSITIVE_INFINITY;
        assertThatThrownBy(() -> new GreedyVerifier().verify(TREE, TOKENS, nan, 0, VOCAB, UNUSED))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not finite");
    }
}
