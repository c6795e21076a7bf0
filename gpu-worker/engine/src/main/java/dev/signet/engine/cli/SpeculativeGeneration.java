package dev.signet.engine.cli;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.generate.GenerationRequest;
import dev.signet.engine.generate.GenerationResult;
import dev.signet.engine.generate.GenerationStats;
import dev.signet.engine.generate.Generator;
import dev.signet.engine.generate.TokenListener;
import dev.signet.engine.medusa.MedusaHeads;
import dev.signet.engine.medusa.MedusaSpeculator;
import dev.signet.engine.medusa.MedusaTree;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.scheduler.Completion;
import dev.signet.engine.scheduler.FixedDeltas;
import dev.signet.engine.scheduler.RequestFailure;
import dev.signet.engine.scheduler.RequestSink;
import dev.signet.engine.scheduler.Scheduler;
import dev.signet.engine.scheduler.SchedulerConfig;
import dev.signet.engine.scheduler.ServeRequest;
import dev.signet.engine.scheduler.SpeculationStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One request decoded with Medusa heads for {@code signet generate --medusa}: the serving scheduler with a
 * speculator whose heads serve the request's model (the base, or the given delta), run on this thread. Timing
 * splits at the first token: the prompt's prefill before it, decoding after.
 */
record SpeculativeGeneration(Generator.Run run, SpeculationStats speculation) {

    static SpeculativeGeneration run(LlamaModel model, LlamaCheckpoint ckpt, Backend backend, Path medusaDir, int draftRows,
                                     GenerationRequest request, TokenListener listener) {
        try (MedusaHeads heads = MedusaHeads.load(medusaDir, model.config(), backend)) {
            MedusaSpeculator.Drafter drafter = new MedusaSpeculator.Drafter(heads, MedusaTree.standard(heads.count()));
            ResidentDelta delta = request.delta();
            String key = delta == null ? null : delta.id();
            MedusaSpeculator speculator = new MedusaSpeculator(model, delta == null ? drafter : null,
                    delta == null ? Map.of() : Map.of(key, drafter), false, MedusaSpeculator.SampledVerification.LOSSLESS);
            Scheduler scheduler = new Scheduler(model, ckpt.tokenizer(), ckpt.stopTokenIds(),
                    SchedulerConfig.of(1).withDraftRows(draftRows).adaptive(), new FixedDeltas(delta == null ? Map.of() : Map.of(key, delta)),
                    speculator);
            Collector sink = new Collector(listener);
            long t0 = System.nanoTime();
            scheduler.submit(new ServeRequest("generate", "cli", key, request.promptIds(), request.params(), sink));
            while (sink.completion == null && sink.failure == null) {
                scheduler.step();
            }
            long t2 = System.nanoTime();
            if (sink.failure != null) {
                throw new IllegalStateException("generation failed: " + sink.failure.message());
            }
            long t1 = sink.firstTokenAt;
            GenerationResult result = new GenerationResult(sink.tokens.stream().mapToInt(Integer::intValue).toArray(),
                    sink.text.toString(), sink.completion.finishReason());
            GenerationStats stats = new GenerationStats(request.promptIds().length, t1 - t0, sink.tokens.size() - 1, t2 - t1);
            return new SpeculativeGeneration(new Generator.Run(List.of(result), stats), sink.completion.speculation());
        }
    }

    /** Streams the request's text and keeps its tokens; the scheduler runs on the caller's thread. */
    private static final class Collector implements RequestSink {
        final TokenListener listener;
        final List<Integer> tokens = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        long firstTokenAt;
        Completion completion;
        RequestFailure failure;

        Collector(TokenListener listener) {
            this.listener = listener;
        }

        @Override
        public void onToken(int token, String piece) {
            if (tokens.isEmpty()) {
                firstTokenAt = System.nanoTime();
            }
            tokens.add(token);
            text.append(piece);
            listener.onToken(0, token, piece);
        }

        @Override
        public void onFinish(Completion c) {
            completion = c;
        }

        @Override
        public void onError(RequestFailure f) {
            failure = f;
        }
    }
}
