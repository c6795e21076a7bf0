package dev.signet.engine.model;

import static dev.signet.engine.testing.Tolerance.assertClose;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.testing.Backends;
import dev.signet.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rows of many sequences in one step give each sequence the logits it gets alone: prompts of different
 * lengths prefilled together, then steps mixing decode tokens, a prompt continued in chunks and a newcomer.
 */
class BatchedForwardTest {
    private static final int[] LENGTHS = {5, 17, 1, 40};

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void batchedStepsMatchEachSequenceAlone(String backendName) {
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.path("stories260K"));
             Backend backend = Backends.open(backendName)) {
            try (LlamaModel model = new LlamaModel(ckpt, backend, ModelOptions.forSequences(8, 96, 128))) {
                SplittableRandom rng = new SplittableRandom(7);
                int[][] prompts = new int[LENGTHS.length][];
                for (int s = 0; s < LENGTHS.length; s++) {
                    prompts[s] = rng.ints(LENGTHS[s], 3, 512).toArray();
                }
                int[] next = rng.ints(LENGTHS.length, 3, 512).toArray();
                int[] late = rng.ints(9, 3, 512).toArray();

                // Batched: step 1 prefills sequences 0, 1, 2 and the first 25 tokens of 3 (all of 3's rows' logits);
                // step 2 mixes decodes, the rest of 3's prompt and a new sequence, in another order.
                List<KvSequence> batched = new ArrayList<>();
                for (int s = 0; s < LENGTHS.length; s++) {
                    batched.add(new KvSequence());
                }
                KvSequence lateSeq = new KvSequence();
                StepLogits step1 = model.forward(List.of(
                        SequenceChunk.last(batched.get(0), prompts[0]),
                        SequenceChunk.last(batched.get(1), prompts[1]),
                        SequenceChunk.last(batched.get(2), prompts[2]),
                        new SequenceChunk(batched.get(3), Arrays.copyOf(prompts[3], 25), true)));
                StepLogits step2 = model.forward(List.of(
                        SequenceChunk.last(batched.get(0), next[0]),
                        new SequenceChunk(batched.get(3), Arrays.copyOfRange(prompts[3], 25, 40), true),
                        SequenceChunk.last(lateSeq, late),
                        SequenceChunk.last(batched.get(2), next[2]),
                        SequenceChunk.last(batched.get(1), next[1])));

                // Alone: each sequence in its own steps.
                for (int s = 0; s < LENGTHS.length; s++) {
                    KvSequence alone = new KvSequence();
                    StepLogits prefill = model.forward(List.of(new SequenceChunk(alone, prompts[s], true)));
                    int lastRow = prompts[s].length - 1;
                    if (s == 3) {
                        for (int i = 0; i < 25; i++) {
                            assertClose(step1.row(3, i), prefill.row(0, i), 1e-5, "sequence 3 row " + i + " (first chunk)");
                        }
                        for (int i = 25; i < 40; i++) {
                            assertClose(step2.row(1, i - 25), prefill.row(0, i), 1e-5, "sequence 3 row " + i + " (second chunk)");
                        }
                        model.kvCache().release(alone);
                        continue;
                    }
                    assertClose(step1.last(s), prefill.row(0, lastRow), 1e-5, "sequence " + s + " prefill");
                    float[] decoded = model.forward(List.of(SequenceChunk.last(alone, next[s]))).last(0);
                    int chunkInStep2 = switch (s) {
                        case 0 -> 0;
                        case 1 -> 4;
                        default -> 3;
                    };
                    assertClose(step2.last(chunkInStep2), decoded, 1e-5, "sequence " + s + " decode");
                    model.kvCache().release(alone);
                }
                KvSequence lateAlone = new KvSequence();
                assertClose(step2.last(2), model.forward(List.of(SequenceChunk.last(lateAlone, late))).last(0), 1e-5, "newcomer");
            }
        }
    }
}
