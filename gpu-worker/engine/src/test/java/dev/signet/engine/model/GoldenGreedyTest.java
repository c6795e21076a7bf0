package dev.signet.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.generate.GenerationRequest;
import dev.signet.engine.generate.Generator;
import dev.signet.engine.generate.TokenListener;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.testing.Fixtures;
import dev.signet.engine.testing.ReferenceOracle;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Greedy decoding of the bundled stories260K from BOS reproduces Karpathy's golden output for 256 tokens. */
class GoldenGreedyTest {

    @Test
    void reproducesKarpathysGoldenIdsFromBos() {
        int[] golden = ReferenceOracle.goldenFromBos();  // BOS + 255 tokens
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.repoRoot().resolve("models/stories260K"));
             VectorCpuBackend backend = new VectorCpuBackend(2)) {
            try (LlamaModel model = new LlamaModel(ckpt, backend, ModelOptions.forSequences(1, 512, 64))) {
                int[] bos = {ckpt.tokenizer().bosId().orElseThrow()};
                int[] generated = new Generator(model, ckpt.tokenizer(), ckpt.stopTokenIds())
                        .generate(List.of(new GenerationRequest(bos, SamplingParams.greedy(golden.length - 1).withIgnoreEos(true))),
                                TokenListener.NONE)
                        .results().getFirst().tokens();
                int[] all = new int[golden.length];
                all[0] = bos[0];
                System.arraycopy(generated, 0, all, 1, generated.length);
                assertArrayEquals(golden, all, "256 greedy ids from BOS");
                int[] llama2c = ReferenceOracle.llama2cGolden();
                assertArrayEquals(llama2c, Arrays.copyOf(all, llama2c.length), "llama2.c's published first 65 ids");
            }
        }
    }
}
