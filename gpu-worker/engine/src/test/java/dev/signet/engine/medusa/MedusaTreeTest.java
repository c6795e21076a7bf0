package dev.signet.engine.medusa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Candidate trees from choice lists: validation, Medusa's node numbering, and shrinking. */
class MedusaTreeTest {
    /** {@code mc_sim_7b_63} as medusa_choices.py spells it, to check the Java constant against. */
    private static final String MC_SIM_7B_63_PY = "[[0], [0, 0], [1], [0, 1], [2], [0, 0, 0], [1, 0], [0, 2], [3], "
            + "[0, 3], [4], [0, 4], [2, 0], [0, 5], [0, 0, 1], [5], [0, 6], [6], [0, 7], [0, 1, 0], [1, 1], [7], "
            + "[0, 8], [0, 0, 2], [3, 0], [0, 9], [8], [9], [1, 0, 0], [0, 2, 0], [1, 2], [0, 0, 3], [4, 0], [2, 1], "
            + "[0, 0, 4], [0, 0, 5], [0, 0, 0, 0], [0, 1, 1], [0, 0, 6], [0, 3, 0], [5, 0], [1, 3], [0, 0, 7], "
            + "[0, 0, 8], [0, 0, 9], [6, 0], [0, 4, 0], [1, 4], [7, 0], [0, 1, 2], [2, 0, 0], [3, 1], [2, 2], "
            + "[8, 0], [0, 5, 0], [1, 5], [1, 0, 1], [0, 2, 1], [9, 0], [0, 6, 0], [0, 0, 0, 1], [1, 6], [0, 7, 0]]";

    private static final MedusaTree MC_SIM = MedusaTree.fromChoices(MedusaTree.MC_SIM_7B_63, 4);

    @Test
    void mcSim7b63IsMedusasList() {
        assertThat(MedusaTree.MC_SIM_7B_63.toString()).isEqualTo(MC_SIM_7B_63_PY);
        assertThat(MC_SIM.size()).isEqualTo(64);
        assertThat(MC_SIM.maxDepth()).isEqualTo(4);
        assertThat(List.of(MC_SIM.maxRank(1), MC_SIM.maxRank(2), MC_SIM.maxRank(3), MC_SIM.maxRank(4)))
                .as("top-k each head must supply, less one").containsExactly(9, 9, 9, 1);
        assertThat(MC_SIM.choices()).isEqualTo(MedusaTree.MC_SIM_7B_63);
    }

    /** Medusa's generate_medusa_buffers sorts paths by (length, path): our node i is its node i. */
    @Test
    void nodesAreNumberedAsMedusasBuffers() {
        List<List<Integer>> sorted = new ArrayList<>(MedusaTree.MC_SIM_7B_63);
        sorted.sort(Comparator.<List<Integer>>comparingInt(List::size).thenComparing(MedusaTreeTest::lexicographic));
        assertThat(MC_SIM.ranksTo(0)).isEmpty();
        assertThat(MC_SIM.parent(0)).isEqualTo(-1);
        assertThat(MC_SIM.depth(0)).isZero();
        for (int i = 1; i < MC_SIM.size(); i++) {
            List<Integer> path = sorted.get(i - 1);
            assertThat(MC_SIM.ranksTo(i)).isEqualTo(path);
            assertThat(MC_SIM.depth(i)).isEqualTo(path.size());
            assertThat(MC_SIM.rank(i)).isEqualTo(path.getLast());
            assertThat(MC_SIM.parent(i)).isLessThan(i);
            assertThat(MC_SIM.ranksTo(MC_SIM.parent(i))).isEqualTo(path.subList(0, path.size() - 1));
        }
    }

    @Test
    void childrenAreConsecutiveInRankOrderAndPathsLeadHome() {
        assertThat(MC_SIM.children(0)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        int edges = 0;
        for (int i = 0; i < MC_SIM.size(); i++) {
            int[] children = MC_SIM.children(i);
            assertThat(children).hasSize(MC_SIM.childCount(i));
            for (int j = 0; j < children.length; j++) {
                assertThat(MC_SIM.parent(children[j])).isEqualTo(i);
                if (j > 0) {
                    assertThat(children[j]).isEqualTo(children[j - 1] + 1);
                    assertThat(MC_SIM.rank(children[j])).isGreaterThan(MC_SIM.rank(children[j - 1]));
                }
            }
            edges += children.length;
            int[] path = MC_SIM.pathTo(i);
            assertThat(path).hasSize(MC_SIM.depth(i) + 1);
            assertThat(path[0]).isZero();
            assertThat(path[path.length - 1]).isEqualTo(i);
        }
        assertThat(edges).isEqualTo(MC_SIM.size() - 1);
    }

    @Test
    void eachRowAttendsToItsAncestorsAndItselfOnly() {
        MedusaTree tree = MedusaTree.topK(2, 2);  // 1 [0], 2 [1], 3 [0,0], 4 [0,1], 5 [1,0], 6 [1,1]
        assertThat(tree.attends(5, 0)).isTrue();
        assertThat(tree.attends(5, 2)).isTrue();
        assertThat(tree.attends(5, 5)).isTrue();
        assertThat(tree.attends(5, 1)).as("an uncle").isFalse();
        assertThat(tree.attends(5, 4)).as("a cousin").isFalse();
        assertThat(tree.attends(2, 5)).as("a child").isFalse();
        assertThat(tree.attends(2, 1)).as("a sibling").isFalse();
    }

    @Test
    void rejectsMalformedChoiceLists() {
        assertThatThrownBy(() -> MedusaTree.fromChoices(List.of(List.of(0), List.of(1, 2)), 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("path #1 [1, 2] lacks its prefix [1]");
        assertThatThrownBy(() -> MedusaTree.fromChoices(List.of(List.of(0), List.of(0, -1)), 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative top-k rank -1");
        assertThatThrownBy(() -> MedusaTree.fromChoices(MedusaTree.MC_SIM_7B_63, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 0, 0, 0] has depth 4 but the model has only 3 Medusa heads");
        assertThatThrownBy(() -> MedusaTree.fromChoices(List.of(List.of(0), List.of()), 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path #1 [] is empty");
        assertThatThrownBy(() -> MedusaTree.fromChoices(List.of(List.of(0), List.of(1), List.of(0)), 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path #2 [0] repeats path #0");
        assertThatThrownBy(() -> MedusaTree.topK(10, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 4096 nodes");
        assertThatThrownBy(() -> MedusaTree.cartesian(3, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("top-k at depth 2 must be >= 1");
        assertThatThrownBy(() -> MC_SIM.sizedTo(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MC_SIM.maxRank(5)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Every size from the root alone to the whole tree keeps the list's first paths and is still a tree. */
    @Test
    void sizedToKeepsTheFirstPathsAndStaysATree() {
        for (int n = 1; n <= 70; n++) {
            MedusaTree small = MC_SIM.sizedTo(n);
            int size = Math.min(n, 64);
            assertThat(small.size()).isEqualTo(size);
            assertThat(small.choices()).isEqualTo(MedusaTree.MC_SIM_7B_63.subList(0, size - 1));
            Set<List<Integer>> paths = new HashSet<>();
            for (int i = 0; i < small.size(); i++) {
                paths.add(small.ranksTo(i));
                if (i > 0) {
                    assertThat(small.parent(i)).isLessThan(i);
                    assertThat(small.ranksTo(small.parent(i))).isEqualTo(small.ranksTo(i).subList(0, small.depth(i) - 1));
                }
            }
            assertThat(paths).hasSize(size);
        }
        assertThat(MC_SIM.sizedTo(64)).isSameAs(MC_SIM);
        assertThat(MC_SIM.sizedTo(8).choices()).containsExactly(
                List.of(0), List.of(0, 0), List.of(1), List.of(0, 1), List.of(2), List.of(0, 0, 0), List.of(1, 0));
        assertThat(MC_SIM.sizedTo(1).maxDepth()).as("the root alone is plain decoding").isZero();
    }

    /** A list that names a path before its prefix is reordered so that every prefix of it is a tree. */
    @Test
    void aPathListedBeforeItsPrefixFollowsIt() {
        MedusaTree tree = MedusaTree.fromChoices(List.of(List.of(0, 0), List.of(1), List.of(0), List.of(2)), 2);
        assertThat(tree.choices()).containsExactly(List.of(1), List.of(0), List.of(0, 0), List.of(2));
        assertThat(tree.sizedTo(3).choices()).containsExactly(List.of(1), List.of(0));
    }

    @Test
    void fullTreesAndChains() {
        MedusaTree full = MedusaTree.topK(2, 3);
        assertThat(full.size()).isEqualTo(15);
        assertThat(full.maxRank(3)).isEqualTo(1);
        assertThat(full.sizedTo(4).choices()).as("breadth first").containsExactly(List.of(0), List.of(1), List.of(0, 0));
        MedusaTree legacy = MedusaTree.cartesian(7, 6);
        assertThat(legacy.size()).as("Medusa's legacy [1, 7, 6]: 1 + 7 + 42").isEqualTo(50);
        assertThat(legacy.maxRank(1)).isEqualTo(6);
        assertThat(legacy.maxRank(2)).isEqualTo(5);
        MedusaTree chain = MedusaTree.chain(4);
        assertThat(chain.size()).isEqualTo(5);
        for (int i = 1; i < 5; i++) {
            assertThat(chain.parent(i)).isEqualTo(i - 1);
            assertThat(chain.rank(i)).isZero();
        }
        assertThat(MedusaTree.chain(0).size()).isEqualTo(1);
    }

    private static int lexicographic(List<Integer> a, List<Integer> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Integer.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }
}
