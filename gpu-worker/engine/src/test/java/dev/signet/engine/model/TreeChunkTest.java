package dev.signet.engine.model;

import static dev.signet.engine.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.testing.Backends;
import dev.signet.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A chunk of tree rows (Medusa's candidates) after a cached prompt: each row sees the prompt and its ancestors
 * only, at the position of its depth, so its logits are those of its path run as a plain chain; keeping one path
 * leaves exactly the cache a plain run of that path would have.
 */
class TreeChunkTest {
    /** A small Medusa-like tree: a root, three children, grandchildren under the first two, a deeper branch. */
    static final int[] PARENTS = {-1, 0, 0, 0, 1, 1, 2, 4, 4, 7};

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void everyTreeRowGetsTheLogitsOfItsPathRunAsAChain(String backendName) {
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.repoRoot().resolve("models/stories260K"));
             Backend backend = Backends.open(backendName);
             LlamaModel model = new LlamaModel(ckpt, backend, ModelOptions.forSequences(3, 128, 64))) {
            int[] prompt = ckpt.promptIds("Once upon a time, there was");
            int[] tokens = randomTokens(model, 11);
            KvSequence seq = new KvSequence();
            model.forward(List.of(SequenceChunk.last(seq, prompt)));
            StepLogits tree = model.forward(List.of(new SequenceChunk(seq, tokens, true, null, PARENTS)));

            for (int i = 0; i < PARENTS.length; i++) {
                int[] path = path(i);
                assertClose(tree.row(0, i), chainLogits(model, prompt, tokens, path), 1e-5, "tree row " + i);
            }
            model.kvCache().release(seq);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void keepingAPathLeavesTheCacheAPlainRunOfThatPathWouldHave(String backendName) {
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.repoRoot().resolve("models/stories260K"));
             Backend backend = Backends.open(backendName);
             LlamaModel model = new LlamaModel(ckpt, backend, new ModelOptions(64, 12, 4))) {
            int[] prompt = ckpt.promptIds("Lily wanted to");
            int[] tokens = randomTokens(model, 12);
            KvSequence seq = new KvSequence();
            model.forward(List.of(SequenceChunk.last(seq, prompt)));
            int from = seq.length();
            model.forward(List.of(new SequenceChunk(seq, tokens, true, null, PARENTS)));
            int freeWithTree = model.kvCache().freeBlocks();

            int[] path = path(9);   // 0 → 1 → 4 → 7 → 9
            model.keepPath(seq, from, path);

            assertThat(seq.length()).isEqualTo(from + path.length);
            assertThat(seq.blockCount()).isEqualTo(model.kvCache().blocksFor(from + path.length));
            assertThat(model.kvCache().freeBlocks()).as("blocks past the path returned").isGreaterThan(freeWithTree);
            int next = 300;
            float[] continued = model.forward(List.of(SequenceChunk.last(seq, next))).last(0);
            int[] plain = new int[path.length + 1];
            for (int j = 0; j < path.length; j++) {
                plain[j] = tokens[path[j]];
            }
            plain[path.length] = next;
            assertClose(continued, chainLogits(model, prompt, plain, null), 1e-5, "decode after the kept path");
            model.kvCache().release(seq);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void refusesAParentThatIsNotAnEarlierRow(int row) {
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.repoRoot().resolve("models/stories260K"));
             Backend backend = Backends.open("cpu");
             LlamaModel model = new LlamaModel(ckpt, backend, ModelOptions.forSequences(1, 64, 16))) {
            int[] parents = {-1, 0, 1};
            parents[row] = row;
            KvSequence seq = new KvSequence();
            assertThatThrownBy(() -> model.forward(List.of(new SequenceChunk(seq, new int[] {5, 6, 7}, true, null, parents))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parent");
            assertThat(seq.length()).isZero();
        }
    }

    /** Node i's path from the root, as chunk rows. */
    static int[] path(int i) {
        List<Integer> up = new ArrayList<>();
        for (int n = i; n >= 0; n = PARENTS[n]) {
            up.addFirst(n);
        }
        return up.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The last logits of the prompt followed by {@code tokens} at {@code path} (all of them when null), run as a chain in a fresh sequence. */
    private static float[] chainLogits(LlamaModel model, int[] prompt, int[] tokens, int[] path) {
        int[] chain = path == null ? tokens : java.util.Arrays.stream(path).map(p -> tokens[p]).toArray();
        KvSequence s = new KvSequence();
        model.forward(List.of(SequenceChunk.last(s, prompt)));
        float[] logits = model.forward(List.of(SequenceChunk.last(s, chain))).last(0);
        model.kvCache().release(s);
        return logits;
    }

    private static int[] randomTokens(LlamaModel model, long seed) {
        return new SplittableRandom(seed).ints(PARENTS.length, 3, model.config().vocabSize()).toArray();
    }
}
