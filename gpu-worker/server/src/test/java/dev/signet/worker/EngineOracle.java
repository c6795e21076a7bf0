package dev.signet.worker;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.bitdelta.BitDeltaArtifact;
import dev.signet.engine.generate.GenerationRequest;
import dev.signet.engine.generate.GenerationResult;
import dev.signet.engine.generate.Generator;
import dev.signet.engine.generate.TokenListener;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.sampling.SamplingParams;
import java.util.List;
import java.util.function.Function;

/**
 * What the worker must answer, computed without it: the bundled stories260K base, optionally under one bundled demo
 * delta, run alone through the engine's fixed-batch {@link Generator} from the same files the worker serves.
 */
final class EngineOracle {
    private EngineOracle() {}

    /** The result of {@code prompt} under {@code deltaName} (null: base) with {@code params}. */
    static GenerationResult alone(String deltaName, String prompt, SamplingParams params) {
        return alone(deltaName, checkpoint -> checkpoint.promptIds(prompt), params);
    }

    /** The result of the prompt {@code promptIds} builds from the checkpoint's tokenizer, under {@code deltaName}. */
    static GenerationResult alone(String deltaName, Function<LlamaCheckpoint, int[]> promptIds, SamplingParams params) {
        try (LlamaCheckpoint checkpoint = LlamaCheckpoint.open(WorkerTestFiles.repo().resolve("models/stories260K"));
             VectorCpuBackend backend = new VectorCpuBackend(1);
             LlamaModel model = new LlamaModel(checkpoint, backend, new ModelOptions(64, 64, 16))) {
            ResidentDelta delta = null;
            BitDeltaArtifact artifact = null;
            try {
                if (deltaName != null) {
                    artifact = BitDeltaArtifact.open(WorkerTestFiles.bundledDelta(deltaName), checkpoint);
                    delta = model.load(artifact.delta(deltaName));
                }
                Generator generator = new Generator(model, checkpoint.tokenizer(), checkpoint.stopTokenIds());
                return generator.generate(List.of(new GenerationRequest(promptIds.apply(checkpoint), params, delta)), TokenListener.NONE)
                        .results().getFirst();
            } finally {
                if (delta != null) {
                    delta.close();
                }
                if (artifact != null) {
                    artifact.close();
                }
            }
        }
    }

    static int promptTokens(String prompt) {
        try (LlamaCheckpoint checkpoint = LlamaCheckpoint.open(WorkerTestFiles.repo().resolve("models/stories260K"))) {
            return checkpoint.promptIds(prompt).length;
        }
    }
}
