package dev.signet.engine.backend.cuda;

import static dev.signet.engine.testing.Tolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.bitdelta.BitDeltaArtifact;
import dev.signet.engine.generate.GenerationRequest;
import dev.signet.engine.generate.Generator;
import dev.signet.engine.generate.TokenListener;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.model.SequenceChunk;
import dev.signet.engine.model.StepLogits;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.testing.Fixtures;
import dev.signet.engine.testing.ReferenceOracle;
import dev.signet.engine.testing.ReferenceOracle.PromptReference;
import dev.signet.engine.testing.TenantDeltas;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole engine on the GPU: stories260K's greedy output token-identical to the CPU backend's, the fixture
 * models' last logits within 1e-4 of transformers', Medusa-style tree chunks and a kept path (tree mask and
 * {@code copyKv}), and a step mixing BitDelta tenants (the fused sign term) equal to the same step on the CPU.
 * Skipped without a GPU.
 */
class CudaModelTest {
    private static final int[] TREE = {-1, 0, 0, 0, 1, 1, 2, 4, 4, 7};  // a Medusa-like tree of 10 candidates

    @BeforeEach
    void needsAGpu() {
        GpuAssumption.requireGpu();
    }

    @Test
    void greedyFromBosIsTokenIdenticalToTheCpu() {
        int[] golden = ReferenceOracle.goldenFromBos();
        Function<Backend, int[]> greedy = backend -> {
            try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.repoRoot().resolve("models/stories260K"));
                 LlamaModel model = new LlamaModel(ckpt, backend, ModelOptions.forSequences(1, 512, 64))) {
                int[] bos = {ckpt.tokenizer().bosId().orElseThrow()};
                return new Generator(model, ckpt.tokenizer(), ckpt.stopTokenIds())
                        .generate(List.of(new GenerationRequest(bos, SamplingParams.greedy(golden.length - 1).withIgnoreEos(true))),
                                TokenListener.NONE)
                        .results().getFirst().tokens();
            }
        };
        int[] cpu;
        try (Backend backend = new VectorCpuBackend(2)) {
            cpu = greedy.apply(backend);
        }
        try (Backend backend = new CudaBackend()) {
            assertArrayEquals(cpu, greedy.apply(backend), "255 greedy tokens from BOS on CUDA and on the CPU");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"base, stories260K", "caps, tenants/caps", "pycode, tenants/pycode", "legal, tenants/legal"})
    void fixtureModelsMatchTransformersLogits(String model, String dir) {
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.path(dir)); Backend backend = new CudaBackend();
             LlamaModel llama = new LlamaModel(ckpt, backend, ModelOptions.forSequences(2, 128, 64))) {
            Generator generator = new Generator(llama, ckpt.tokenizer(), ckpt.stopTokenIds());
            for (PromptReference ref : ReferenceOracle.prompts(model)) {
                KvSequence seq = new KvSequence();
                float[] logits = llama.forward(List.of(SequenceChunk.last(seq, ref.inputIds()))).last(0);
                llama.kvCache().release(seq);
                assertClose(logits, ref.lastLogits(), 1e-4, model + " logits of '" + ref.prompt() + "'");
                SamplingParams greedy = SamplingParams.greedy(ref.greedyIds().length).withIgnoreEos(true);
                int[] tokens = generator.generate(List.of(new GenerationRequest(ref.inputIds(), greedy)), TokenListener.NONE)
                        .results().getFirst().tokens();
                assertArrayEquals(ref.greedyIds(), tokens, model + " greedy continuation of '" + ref.prompt() + "'");
            }
        }
    }

    /** A tree chunk's rows, then a kept path (copyKv) and one more decode: every logit as the CPU computes it. */
    @Test
    void treeChunkAndKeptPathMatchTheCpu() {
        Function<Backend, List<float[]>> run = backend -> {
            try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.repoRoot().resolve("models/stories260K"));
                 LlamaModel model = new LlamaModel(ckpt, backend, new ModelOptions(64, 12, 4))) {
                KvSequence seq = new KvSequence();
                model.forward(List.of(SequenceChunk.last(seq, ckpt.promptIds("Lily wanted to"))));
                int from = seq.length();
                int[] tokens = {300, 41, 77, 5, 260, 12, 99, 150, 3, 201};
                StepLogits tree = model.forward(List.of(new SequenceChunk(seq, tokens, true, null, TREE)));
                List<float[]> out = new ArrayList<>();
                for (int i = 0; i < TREE.length; i++) {
                    out.add(tree.row(0, i));
                }
                model.keepPath(seq, from, new int[] {0, 1, 4, 7, 9});
                out.add(model.forward(List.of(SequenceChunk.last(seq, 42))).last(0));
                return out;
            }
        };
        assertGpuMatchesCpu(run, i -> i < TREE.length ? "tree row " + i : "decode after the kept path");
    }

    /** Base, caps, pycode and legal rows in one prefill and one decode step: each row as the CPU computes it. */
    @Test
    void mixedTenantStepMatchesTheCpu() {
        List<String> owners = List.of("base", "caps", "pycode", "legal", "caps");
        String[] prompts = {"Once upon a time", "Lily", "def main(args):\n    return", "Permission is hereby granted", "The dog"};
        Function<Backend, List<float[]>> run = backend -> {
            List<BitDeltaArtifact> artifacts = new ArrayList<>();
            List<ResidentDelta> resident = new ArrayList<>();
            try (LlamaCheckpoint base = LlamaCheckpoint.open(TenantDeltas.base());
                 LlamaModel model = new LlamaModel(base, backend, ModelOptions.forSequences(owners.size(), 96, 512))) {
                List<SequenceChunk> prefill = new ArrayList<>();
                List<SequenceChunk> decode = new ArrayList<>();
                for (int i = 0; i < owners.size(); i++) {
                    ResidentDelta d = null;
                    if (!owners.get(i).equals("base")) {
                        BitDeltaArtifact a = BitDeltaArtifact.open(TenantDeltas.plain(owners.get(i)), base);
                        artifacts.add(a);
                        d = model.load(a.delta(owners.get(i)));
                        resident.add(d);
                    }
                    KvSequence seq = new KvSequence();
                    prefill.add(new SequenceChunk(seq, base.promptIds(prompts[i]), true, d));
                    decode.add(new SequenceChunk(seq, new int[] {42 + i}, false, d));
                }
                StepLogits p = model.forward(prefill);
                StepLogits d = model.forward(decode);
                List<float[]> out = new ArrayList<>();
                for (int i = 0; i < owners.size(); i++) {
                    for (int r = 0; r < prefill.get(i).tokens().length; r++) {
                        out.add(p.row(i, r));
                    }
                    out.add(d.last(i));
                }
                return out;
            } finally {
                resident.forEach(ResidentDelta::close);
                artifacts.forEach(BitDeltaArtifact::close);
            }
        };
        assertGpuMatchesCpu(run, i -> "mixed-tenant logits " + i);
    }

    /** Runs the same computation on the CPU backend and on the GPU: every logit vector within 1e-5 of the CPU's. */
    private static void assertGpuMatchesCpu(Function<Backend, List<float[]>> run, IntFunction<String> what) {
        List<float[]> cpu;
        try (Backend backend = new VectorCpuBackend(2)) {
            cpu = run.apply(backend);
        }
        try (Backend backend = new CudaBackend()) {
            List<float[]> gpu = run.apply(backend);
            for (int i = 0; i < cpu.size(); i++) {
                assertClose(gpu.get(i), cpu.get(i), 1e-5, what.apply(i));
            }
        }
    }
}
