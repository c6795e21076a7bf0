package dev.signet.engine.model;

import static dev.signet.engine.testing.Tolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.generate.GenerationRequest;
import dev.signet.engine.generate.GenerationResult;
import dev.signet.engine.generate.Generator;
import dev.signet.engine.generate.TokenListener;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.testing.Backends;
import dev.signet.engine.testing.Fixtures;
import dev.signet.engine.testing.ReferenceOracle;
import dev.signet.engine.testing.ReferenceOracle.PromptReference;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The base model and the three fine-tunes, each loaded as an ordinary checkpoint, against transformers'
 * own outputs in reference.json: the prompt's token ids, the last position's logits (relative error below
 * 1e-4) and 48 greedy tokens (identical), on both CPU backends.
 */
class ReferenceLogitsTest {

    @ParameterizedTest(name = "{0} on {2}")
    @CsvSource({
            "base, stories260K, cpu", "caps, tenants/caps, cpu", "pycode, tenants/pycode, cpu", "legal, tenants/legal, cpu",
            "base, stories260K, reference", "caps, tenants/caps, reference", "pycode, tenants/pycode, reference",
            "legal, tenants/legal, reference"})
    void matchesTransformersOnEveryReferencePrompt(String model, String dir, String backendName) {
        Path folder = Fixtures.path(dir);
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(folder); Backend backend = Backends.open(backendName)) {
            try (LlamaModel llama = new LlamaModel(ckpt, backend, ModelOptions.forSequences(2, 128, 64))) {
                Generator generator = new Generator(llama, ckpt.tokenizer(), ckpt.stopTokenIds());
                for (PromptReference ref : ReferenceOracle.prompts(model)) {
                    int[] ids = ckpt.promptIds(ref.prompt());
                    assertArrayEquals(ref.inputIds(), ids, "input ids of '" + ref.prompt() + "'");

                    KvSequence seq = new KvSequence();
                    float[] logits = llama.forward(List.of(SequenceChunk.last(seq, ids))).last(0);
                    llama.kvCache().release(seq);
                    assertClose(logits, ref.lastLogits(), 1e-4, model + " logits of '" + ref.prompt() + "'");

                    SamplingParams greedy = SamplingParams.greedy(ref.greedyIds().length).withIgnoreEos(true);
                    GenerationResult result = generator.generate(List.of(new GenerationRequest(ids, greedy)), TokenListener.NONE)
                            .results().getFirst();
                    assertArrayEquals(ref.greedyIds(), result.tokens(), model + " greedy continuation of '" + ref.prompt() + "'");
                    assertEquals(ref.continuationText(), result.text(), model + " continuation text of '" + ref.prompt() + "'");
                }
            }
        }
    }
}
