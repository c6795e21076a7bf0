package dev.signet.engine.bench;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.bitdelta.BitDeltaArtifact;
import dev.signet.engine.bitdelta.BitDeltaCompressor;
import dev.signet.engine.bitdelta.CompressionOptions;
import dev.signet.engine.medusa.MedusaHeads;
import dev.signet.engine.medusa.MedusaSpeculator;
import dev.signet.engine.medusa.MedusaTree;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.scheduler.BatchRun;
import dev.signet.engine.scheduler.FixedDeltas;
import dev.signet.engine.scheduler.Scheduler;
import dev.signet.engine.scheduler.SchedulerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * How many tokens Medusa's trees emit per verification step with the real fixture heads, by tree size: the base
 * stories260K with {@code medusa/stories260K}, and the caps tenant (its fixture fine-tune compressed to plain
 * BitDelta here) with its own {@code medusa/caps}. For each size N (draft rows past the root: 1, 2, 4, … and the
 * whole standard tree, {@link MedusaTree#standard} cut to the heads' depth, in its priority order) every reference
 * prompt is decoded alone, greedy, through the serving scheduler on {@code backend}; tokens per step is
 * (accepted drafts + tree steps) / tree steps over all prompts. Greedy acceptance does not depend on the batch.
 */
public record MedusaAcceptance(String heads, int headCount, int[] draftRows, double[] tokensPerStep) {
    private static final int[] DRAFT_ROWS = {1, 2, 4, 8, 16, 32};

    /** Files the measurement reads under the fixtures folder. */
    public static final List<String> FIXTURES = List.of("stories260K/config.json", "tenants/caps/config.json",
            "medusa/stories260K/config.json", "medusa/caps/config.json");

    /** Why {@code fixtures} cannot serve the measurement; empty when it can. */
    public static java.util.Optional<String> missing(Path fixtures) {
        return FIXTURES.stream().filter(f -> !Files.isRegularFile(fixtures.resolve(f))).findFirst()
                .map(f -> "fixtures not found: no " + fixtures.resolve(f));
    }

    /** 1, 2, 4, … 32 draft rows below the tree's size, then the whole tree's ({@code tree.size() - 1}). */
    public static int[] draftRowSeries(MedusaTree tree) {
        int full = tree.size() - 1;
        return IntStream.concat(Arrays.stream(DRAFT_ROWS).filter(n -> n < full), IntStream.of(full)).filter(n -> n > 0).toArray();
    }

    /** Measures the base's and caps' heads over {@link MedusaBenchmark#PROMPTS}, {@code tokens} greedy tokens each. */
    public static List<MedusaAcceptance> measure(Backend backend, Path fixtures, int tokens, PrintStream progress) {
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("signet-medusa-acceptance");
            Path capsDelta = scratch.resolve("caps.safetensors");
            progress.printf("  compressing the caps fixture to plain BitDelta for its heads%n");
            try (LlamaCheckpoint base = LlamaCheckpoint.open(fixtures.resolve("stories260K"));
                 LlamaCheckpoint tuned = LlamaCheckpoint.open(fixtures.resolve("tenants/caps"))) {
                new BitDeltaCompressor(() -> new VectorCpuBackend(2))
                        .compress(base, tuned, capsDelta, CompressionOptions.plain(), BitDeltaCompressor.Progress.NONE);
            }
            return measure(backend, fixtures, capsDelta, tokens, progress);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(scratch);
        }
    }

    private static List<MedusaAcceptance> measure(Backend backend, Path fixtures, Path capsDelta, int tokens, PrintStream progress) {
        // Room for the longest prompt, the tokens and a whole tree's slots past them; a prompt's prefill in one step.
        ModelOptions options = ModelOptions.forSequences(1, tokens + 128, 128);
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(fixtures.resolve("stories260K"));
             LlamaModel model = new LlamaModel(ckpt, backend, options);
             BitDeltaArtifact artifact = BitDeltaArtifact.open(capsDelta, ckpt);
             ResidentDelta caps = model.load(artifact.delta("caps"));
             MedusaHeads baseHeads = MedusaHeads.load(fixtures.resolve("medusa/stories260K"), model.config(), backend);
             MedusaHeads capsHeads = MedusaHeads.load(fixtures.resolve("medusa/caps"), model.config(), backend)) {
            FixedDeltas deltas = new FixedDeltas(Map.of("caps", caps));
            SamplingParams params = SamplingParams.greedy(tokens).withIgnoreEos(true);
            List<MedusaAcceptance> out = new ArrayList<>();
            for (String delta : new String[] {null, "caps"}) {
                MedusaHeads heads = delta == null ? baseHeads : capsHeads;
                MedusaSpeculator speculator = delta == null ? MedusaSpeculator.standardTrees(model, heads, Map.of(), false)
                        : MedusaSpeculator.standardTrees(model, null, Map.of(delta, heads), false);
                int[] series = draftRowSeries(MedusaTree.standard(heads.count()));
                double[] perStep = new double[series.length];
                for (int i = 0; i < series.length; i++) {
                    Scheduler scheduler = new Scheduler(model, ckpt.tokenizer(), ckpt.stopTokenIds(),
                            SchedulerConfig.of(1).withDraftRows(series[i]), deltas, speculator);
                    List<BatchRun.Output> outputs = new ArrayList<>();
                    for (String prompt : MedusaBenchmark.PROMPTS) {
                        outputs.addAll(BatchRun.run(scheduler, List.of(new BatchRun.Request(delta, ckpt.promptIds(prompt))), params));
                    }
                    perStep[i] = BatchRun.tokensPerStep(outputs);
                }
                String name = delta == null ? "base" : delta;
                progress.printf("  %s heads: tokens per verification step %s for %s draft rows%n", name,
                        Arrays.toString(Arrays.stream(perStep).mapToObj(v -> String.format("%.2f", v)).toArray()), Arrays.toString(series));
                out.add(new MedusaAcceptance(name, heads.count(), series, perStep));
            }
            return out;
        }
    }

    /** Tokens per step with {@code draftRows} draft rows; the series must hold it. */
    public double tokensPerStep(int draftRows) {
        for (int i = 0; i < this.draftRows.length; i++) {
            if (this.draftRows[i] == draftRows) {
                return tokensPerStep[i];
            }
        }
        throw new IllegalArgumentException(draftRows + " draft rows were not measured: " + Arrays.toString(this.draftRows));
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
