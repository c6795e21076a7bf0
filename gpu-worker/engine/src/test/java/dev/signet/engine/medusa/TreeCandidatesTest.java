package dev.signet.engine.medusa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Filling a tree's nodes with the heads' ranked guesses. */
class TreeCandidatesTest {

    @Test
    void topKTakesTheLargestLogitsLowerIdFirstOnTies() {
        float[] logits = {9f, 1f, 5f, 3f, 5f, -2f, 7f};
        assertThat(TreeCandidates.topK(logits, 1, 6, 4)).containsExactly(5, 1, 3, 2);  // window [1 5 3 5 -2 7]
        assertThat(TreeCandidates.topK(logits, 0, 7, 0)).isEmpty();
        assertThat(TreeCandidates.topK(logits, 0, 7, 7)).containsExactly(0, 6, 2, 4, 3, 1, 5);
    }

    @Test
    void topKMatchesASortOverALargeVocabulary() {
        SplittableRandom rng = new SplittableRandom(2);
        float[] logits = new float[32_000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) rng.nextGaussian();
        }
        int[] sorted = IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).limit(10).toArray();
        assertThat(TreeCandidates.topK(logits, 0, logits.length, 10)).containsExactly(sorted);
    }

    @Test
    void eachNodeGetsItsHeadsGuessOfItsRank() {
        MedusaTree tree = MedusaTree.fromChoices(MedusaTree.MC_SIM_7B_63, 5);
        int heads = 5;
        int vocab = 500;
        SplittableRandom rng = new SplittableRandom(4);
        float[] headLogits = new float[3 + heads * vocab];
        for (int i = 0; i < headLogits.length; i++) {
            headLogits[i] = (float) rng.nextGaussian();
        }
        int[] tokens = TreeCandidates.fromHeadLogits(tree, 42, headLogits, 3, heads, vocab);
        assertThat(tokens).hasSize(64);
        assertThat(tokens[0]).isEqualTo(42);
        for (int i = 1; i < tree.size(); i++) {
            int head = tree.depth(i) - 1;
            int[] ranked = TreeCandidates.topK(headLogits, 3 + head * vocab, vocab, 10);
            assertThat(tokens[i]).as("node %d %s", i, tree.ranksTo(i)).isEqualTo(ranked[tree.rank(i)]);
        }
    }

    @Test
    void guessesDoNotDependOnThePathAbove() {
        MedusaTree tree = MedusaTree.topK(3, 2);
        int[] tokens = TreeCandidates.fill(tree, 7, new int[][] {{1, 2, 3}, {4, 5, 6}});
        assertThat(tokens).containsExactly(7, 1, 2, 3, 4, 5, 6, 4, 5, 6, 4, 5, 6);
    }

    @Test
    void refusesTooFewHeadsOrGuesses() {
        MedusaTree tree = MedusaTree.fromChoices(MedusaTree.MC_SIM_7B_63, 4);
        assertThatThrownBy(() -> TreeCandidates.fromHeadLogits(tree, 0, new float[3 * 100], 0, 3, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 deep").hasMessageContaining("only 3");
        assertThatThrownBy(() -> TreeCandidates.fill(MedusaTree.topK(3, 1), 0, new int[][] {{1, 2}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs rank 2 of head 0");
        float[] broken = {1f, Float.NaN, Float.NaN};
        assertThatThrownBy(() -> TreeCandidates.topK(broken, 0, 3, 2))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("NaN");
    }
}
