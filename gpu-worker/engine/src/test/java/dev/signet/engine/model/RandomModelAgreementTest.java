package dev.signet.engine.model;

import static dev.signet.engine.testing.Tolerance.assertClose;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.backend.reference.ReferenceBackend;
import dev.signet.engine.bench.SyntheticLlama;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.SafetensorsCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fast backend runs whole random models the way the reference does: grouped-query and plain
 * multi-head attention, tied and untied classifiers, f32/f16/bf16 weights, dimensions that are not
 * multiples of the vector length. Same batch of prompts and decode steps on both; logits compared per row.
 */
class RandomModelAgreementTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "gqa-tied-f32,      F32,  96, 64, 160, 3, 8, 2, true",
            "mha-untied-f32,    F32,  80, 48, 128, 2, 4, 4, false",
            "gqa-untied-bf16,   BF16, 64, 128, 344, 2, 8, 1, false",
            "odd-dims-f16,      F16,  70, 72, 100, 2, 6, 3, true"})
    void vectorBackendAgreesWithReference(String label, DType dtype, int vocab, int dim, int hidden, int layers,
                                          int heads, int kvHeads, boolean tied) throws IOException {
        SyntheticLlama shape = new SyntheticLlama(label, vocab, dim, hidden, layers, heads, kvHeads, 64, tied);
        shape.writeTo(dir, dtype, 5);
        LlamaConfig config = LlamaConfig.read(dir);
        try (SafetensorsCheckpoint tensors = SafetensorsCheckpoint.open(dir);
             Backend reference = new ReferenceBackend();
             Backend fast = new VectorCpuBackend(2)) {
            LlamaWeights weights = LlamaWeights.from(config, tensors);
            List<float[]> expected;
            List<float[]> actual;
            try (LlamaModel model = new LlamaModel(config, weights, reference, ModelOptions.forSequences(3, 64, 64))) {
                expected = run(model, vocab);
            }
            try (LlamaModel model = new LlamaModel(config, weights, fast, ModelOptions.forSequences(3, 64, 64))) {
                actual = run(model, vocab);
            }
            for (int i = 0; i < expected.size(); i++) {
                assertClose(actual.get(i), expected.get(i), 1e-5, label + " logits " + i);
            }
        }
    }

    /** Three prompts of different lengths in one step (all rows' logits), then four batched decode steps. */
    private static List<float[]> run(LlamaModel model, int vocab) {
        SplittableRandom rng = new SplittableRandom(11);
        List<KvSequence> seqs = List.of(new KvSequence(), new KvSequence(), new KvSequence());
        int[] lengths = {13, 1, 29};
        List<SequenceChunk> prompts = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            prompts.add(new SequenceChunk(seqs.get(s), rng.ints(lengths[s], 0, vocab).toArray(), true));
        }
        List<float[]> out = new ArrayList<>();
        StepLogits logits = model.forward(prompts);
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < lengths[s]; i++) {
                out.add(logits.row(s, i));
            }
        }
        for (int step = 0; step < 4; step++) {
            List<SequenceChunk> decode = new ArrayList<>();
            for (KvSequence seq : seqs) {
                decode.add(SequenceChunk.last(seq, rng.nextInt(vocab)));
            }
            logits = model.forward(decode);
            for (int s = 0; s < 3; s++) {
                out.add(logits.last(s));
            }
        }
        return out;
    }
}
