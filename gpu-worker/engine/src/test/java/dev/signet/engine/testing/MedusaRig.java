package dev.signet.engine.testing;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.bitdelta.BitDeltaArtifact;
import dev.signet.engine.generate.GenerationRequest;
import dev.signet.engine.generate.Generator;
import dev.signet.engine.generate.TokenListener;
import dev.signet.engine.medusa.MedusaHeads;
import dev.signet.engine.medusa.MedusaSpeculator;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.scheduler.BatchRun;
import dev.signet.engine.scheduler.FixedDeltas;
import dev.signet.engine.scheduler.Scheduler;
import dev.signet.engine.scheduler.SchedulerConfig;
import java.util.List;
import java.util.Map;

/**
 * The fixture base (stories260K) with caps resident (its fine-tune as plain BitDelta, {@link TenantDeltas}) and the
 * fixture Medusa heads ({@code medusa/stories260K} for the base, {@code medusa/caps} for caps) on a backend: plain
 * greedy through the fixed-batch {@link Generator}, and greedy with speculation through the serving scheduler.
 */
public final class MedusaRig implements AutoCloseable {
    public static final String CAPS = "caps";

    private final LlamaCheckpoint checkpoint;
    private final LlamaModel model;
    private final BitDeltaArtifact artifact;
    private final ResidentDelta caps;
    private final MedusaHeads baseHeads;
    private final MedusaHeads capsHeads;

    /** Room for {@code sequences} sequences of {@code positions} positions, {@code maxBatchRows} rows per step. */
    public MedusaRig(Backend backend, int sequences, int positions, int maxBatchRows) {
        checkpoint = LlamaCheckpoint.open(TenantDeltas.base());
        model = new LlamaModel(checkpoint, backend, ModelOptions.forSequences(sequences, positions, maxBatchRows));
        artifact = BitDeltaArtifact.open(TenantDeltas.plain(CAPS), checkpoint);
        caps = model.load(artifact.delta(CAPS));
        baseHeads = MedusaHeads.load(Fixtures.path("medusa/stories260K"), model.config(), backend);
        capsHeads = MedusaHeads.load(Fixtures.path("medusa/caps"), model.config(), backend);
    }

    public BatchRun.Request request(String delta, String prompt) {
        return new BatchRun.Request(delta, checkpoint.promptIds(prompt));
    }

    /** Plain greedy decoding of one request alone: {@code tokens} tokens, stop tokens ignored. */
    public int[] plainGreedy(BatchRun.Request request, int tokens) {
        ResidentDelta d = request.delta() == null ? null : caps;
        return new Generator(model, checkpoint.tokenizer(), checkpoint.stopTokenIds())
                .generate(List.of(new GenerationRequest(request.promptIds(), SamplingParams.greedy(tokens).withIgnoreEos(true), d)),
                        TokenListener.NONE)
                .results().getFirst().tokens();
    }

    /** The requests in one scheduler batch, greedy with speculation: the base's heads for the base, caps' own for caps. */
    public List<BatchRun.Output> speculativeGreedy(List<BatchRun.Request> requests, int maxRunning, int draftRows, int tokens) {
        MedusaSpeculator speculator = MedusaSpeculator.standardTrees(model, baseHeads, Map.of(CAPS, capsHeads), false);
        Scheduler scheduler = new Scheduler(model, checkpoint.tokenizer(), checkpoint.stopTokenIds(),
                SchedulerConfig.of(maxRunning).withDraftRows(draftRows), new FixedDeltas(Map.of(CAPS, caps)), speculator);
        return BatchRun.run(scheduler, requests, SamplingParams.greedy(tokens).withIgnoreEos(true));
    }

    @Override
    public void close() {
        capsHeads.close();
        baseHeads.close();
        caps.close();
        artifact.close();
        model.close();
        checkpoint.close();
    }
}
