package dev.signet.engine.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.signet.engine.backend.BatchLayout;
import dev.signet.engine.backend.SequenceRows;
import dev.signet.engine.medusa.MedusaTree;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure parts of {@code signet bench gpu}'s Medusa part: the speedup prediction, the tree sizes, the tree steps' layout. */
class MedusaSpeedupTest {

    @Test
    void speedupIsTokensPerStepTimesPlainOverTreeStepTime() {
        assertThat(new MedusaSpeedup(4, 2.0, 10.0, 12.5).speedup()).isCloseTo(1.6, within(1e-12));
        assertThat(new MedusaSpeedup(1, 1.0, 10.0, 20.0).speedup()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void bestIsTheLargestSpeedupAndTheSmallerTreeOnATie() {
        MedusaSpeedup small = new MedusaSpeedup(2, 1.5, 10, 10);      // 1.5x
        MedusaSpeedup tiedLarger = new MedusaSpeedup(8, 1.8, 10, 12);  // 1.5x
        MedusaSpeedup better = new MedusaSpeedup(4, 1.7, 10, 10.5);    // 1.619x
        assertThat(MedusaSpeedup.best(List.of(small, tiedLarger, better))).isEqualTo(better);
        assertThat(MedusaSpeedup.best(List.of(tiedLarger, small))).isEqualTo(small);
        assertThatThrownBy(() -> MedusaSpeedup.best(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void impossibleMeasurementsAreRefused() {
        assertThatThrownBy(() -> new MedusaSpeedup(1, 0.5, 1, 1)).hasMessageContaining("token per step");
        assertThatThrownBy(() -> new MedusaSpeedup(1, 1.5, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MedusaSpeedup(1, 1.5, 1, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void treeSizesRunInPowersOfTwoUpToTheWholeTree() {
        assertThat(MedusaAcceptance.draftRowSeries(MedusaTree.standard(3))).containsExactly(1, 2, 4, 8, 16, 32, 61);
        assertThat(MedusaAcceptance.draftRowSeries(MedusaTree.chain(2))).containsExactly(1, 2);
        assertThat(MedusaAcceptance.draftRowSeries(MedusaTree.topK(2, 2))).containsExactly(1, 2, 4, 6);
        assertThat(MedusaAcceptance.draftRowSeries(MedusaTree.chain(0))).isEmpty();
        MedusaAcceptance a = new MedusaAcceptance("base", 3, new int[] {1, 2}, new double[] {1.4, 1.6});
        assertThat(a.tokensPerStep(2)).isEqualTo(1.6);
        assertThatThrownBy(() -> a.tokensPerStep(4)).hasMessageContaining("4 draft rows were not measured");
    }

    @Test
    void treeStepsGiveEachSequenceItsTreeAtItsDepthsPositionsInItsOwnSlots() {
        MedusaTree tree = MedusaTree.standard(3).sizedTo(9);
        TreeBatch batch = new TreeBatch(3, tree, 40, 16);
        BatchLayout layout = batch.layout();
        assertThat(layout.rows()).isEqualTo(27).isEqualTo(batch.rows());
        assertThat(batch.blocksPerSequence()).isEqualTo(3);   // positions 39 .. 47 need blocks 0 .. 2
        Set<Integer> slots = new HashSet<>();
        for (int s = 0; s < 3; s++) {
            SequenceRows seq = layout.sequences().get(s);
            assertThat(seq.firstRow()).isEqualTo(9 * s);
            assertThat(seq.parents()).containsExactly(tree.parents());
            for (int i = 0; i < tree.size(); i++) {
                int r = 9 * s + i;
                assertThat(layout.positions()[r]).as("row %d", r).isEqualTo(39 + tree.depth(i));
                int slot = layout.slots()[r];
                assertThat(slot / 16 / 3).as("row %d's slot %d is in sequence %d's blocks", r, slot, s).isEqualTo(s);
                assertThat(slot % 48).as("row %d writes position 39 + %d", r, i).isEqualTo(39 + i);
                slots.add(slot);
            }
        }
        assertThat(slots).hasSize(27);
        assertThat(Arrays.stream(layout.slots()).max().orElseThrow()).isLessThan(batch.slots());
    }

    @Test
    void aOneNodeTreeIsAPlainDecodeRowPerSequence() {
        TreeBatch batch = new TreeBatch(4, MedusaTree.chain(0), 32, 16);
        BatchLayout layout = batch.layout();
        assertThat(layout.rows()).isEqualTo(4);
        assertThat(layout.sequences()).allSatisfy(s -> assertThat(s.isTree()).isFalse());
        assertThat(layout.positions()).containsOnly(31);
        assertThat(layout.slots()).containsExactly(31, 63, 95, 127);
        assertThatThrownBy(() -> new TreeBatch(0, MedusaTree.chain(0), 32, 16)).isInstanceOf(IllegalArgumentException.class);
    }
}
