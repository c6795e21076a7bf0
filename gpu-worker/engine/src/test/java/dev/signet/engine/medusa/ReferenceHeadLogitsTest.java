package dev.signet.engine.medusa;

import static dev.signet.engine.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.Weight;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.testing.Backends;
import dev.signet.engine.testing.Fixtures;
import dev.signet.engine.testing.ReferenceOracle;
import dev.signet.engine.testing.ReferenceOracle.HeadReference;
import dev.signet.engine.testing.ReferenceOracle.MedusaReference;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fixtures' trained heads (medusa/stories260K on the base, medusa/caps on the caps tenant) against
 * reference.json: from each prompt's last hidden state, every head's 512 logits within 1e-4 relative of
 * transformers' and the same five best tokens, through the model's own tied lm_head, on both CPU backends.
 */
class ReferenceHeadLogitsTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "{0} heads on {1}")
    @CsvSource({"stories260K, reference", "stories260K, cpu", "caps, reference", "caps, cpu"})
    void everyHeadMatchesTheReferenceOnEveryPrompt(String heads, String backendName) {
        List<MedusaReference> refs = ReferenceOracle.medusaPrompts(heads);
        try (Backend backend = Backends.open(backendName);
             LlamaCheckpoint model = LlamaCheckpoint.open(Fixtures.path(ReferenceOracle.medusaModel(heads)));
             MedusaHeads medusa = MedusaHeads.load(Fixtures.path("medusa/" + heads), model.config(), backend)) {
            assertThat(medusa.count()).isEqualTo(3);
            assertThat(medusa.sharesLmHead()).isTrue();
            int vocab = model.config().vocabSize();
            float[] hidden = new float[refs.size() * model.config().hiddenSize()];
            for (int p = 0; p < refs.size(); p++) {
                float[] h = refs.get(p).lastHiddenState();
                System.arraycopy(h, 0, hidden, p * h.length, h.length);
            }

            float[] logits = medusa.logits(hidden, refs.size(), backend.weight(model.weights().lmHead()));

            assertThat(logits).hasSize(refs.size() * 3 * vocab);
            for (int p = 0; p < refs.size(); p++) {
                for (HeadReference head : refs.get(p).heads()) {
                    int at = (p * medusa.count() + head.head()) * vocab;  // [rows, heads, vocab]
                    float[] actual = Arrays.copyOfRange(logits, at, at + vocab);
                    String what = heads + " head " + head.head() + " on '" + refs.get(p).prompt() + "'";
                    assertClose(actual, head.logits(), TOLERANCE, what);
                    assertThat(top(actual, 5)).as(what + " top-5").containsExactly(head.top5());
                }
            }
        }
    }

    /**
     * The on-backend entry with buffers made once for 4 rows and reused for calls of 4 and then 2 rows, into a
     * poisoned logits buffer: the same numbers as the host entry, row for row.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"reference", "cpu"})
    void scratchIsReusedAcrossCallsOfFewerRows(String backendName) {
        List<MedusaReference> refs = ReferenceOracle.medusaPrompts("caps");
        try (Backend backend = Backends.open(backendName);
             LlamaCheckpoint model = LlamaCheckpoint.open(Fixtures.path(ReferenceOracle.medusaModel("caps")));
             MedusaHeads medusa = MedusaHeads.load(Fixtures.path("medusa/caps"), model.config(), backend)) {
            int dim = model.config().hiddenSize();
            int vocab = model.config().vocabSize();
            Weight lmHead = backend.weight(model.weights().lmHead());
            float[] hidden = new float[4 * dim];
            for (int p = 0; p < 4; p++) {
                System.arraycopy(refs.get(p).lastHiddenState(), 0, hidden, p * dim, dim);
            }
            MedusaHeads.Scratch scratch = medusa.scratch(4);
            Activations in = backend.activations(4, dim);
            Activations out = backend.activations(4 * medusa.count(), vocab);

            backend.write(hidden, 4, in);
            medusa.logits(in, 4, lmHead, scratch, out);
            float[] nan = new float[4 * medusa.count() * vocab];
            Arrays.fill(nan, Float.NaN);
            backend.write(nan, 4 * medusa.count(), out);
            float[] lastTwo = Arrays.copyOfRange(hidden, 2 * dim, 4 * dim);
            backend.write(lastTwo, 2, in);
            medusa.logits(in, 2, lmHead, scratch, out);

            float[] actual = new float[2 * medusa.count() * vocab];
            backend.read(out, 2 * medusa.count(), actual);
            assertClose(actual, medusa.logits(lastTwo, 2, lmHead), 0, "reused scratch");
        }
    }

    /** The k largest logits' ids, largest first. */
    static int[] top(float[] logits, int k) {
        return IntStream.range(0, logits.length).boxed()
                .sorted((a, b) -> Float.compare(logits[b], logits[a]))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }
}
