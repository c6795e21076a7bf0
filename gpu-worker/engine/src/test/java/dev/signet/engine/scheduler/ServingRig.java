package dev.signet.engine.scheduler;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.bitdelta.BitDeltaArtifact;
import dev.signet.engine.generate.GenerationRequest;
import dev.signet.engine.generate.Generator;
import dev.signet.engine.generate.TokenListener;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bundled stories260K base with the bundled demo deltas (caps, pycode, legal) resident, a delta provider
 * over them that counts pins, and the oracle every serving test compares with: the tenant's model run alone
 * through the fixed-batch {@link Generator}.
 */
final class ServingRig implements AutoCloseable {
    static final List<String> DELTAS = List.of("caps", "pycode", "legal");

    final LlamaCheckpoint checkpoint;
    final VectorCpuBackend backend;
    final LlamaModel model;
    final ResidentDeltas deltas;
    private final List<BitDeltaArtifact> artifacts = new ArrayList<>();

    ServingRig(ModelOptions options) {
        checkpoint = LlamaCheckpoint.open(Fixtures.repoRoot().resolve("models/stories260K"));
        backend = new VectorCpuBackend(2);
        model = new LlamaModel(checkpoint, backend, options);
        Map<String, ResidentDelta> resident = new LinkedHashMap<>();
        for (String name : DELTAS) {
            BitDeltaArtifact a = BitDeltaArtifact.open(Fixtures.repoRoot().resolve("models/deltas/" + name + ".safetensors"), checkpoint);
            artifacts.add(a);
            resident.put(name, model.load(a.delta(name)));
        }
        deltas = new ResidentDeltas(resident);
    }

    Scheduler scheduler(int maxRunning) {
        return new Scheduler(model, checkpoint.tokenizer(), checkpoint.stopTokenIds(), SchedulerConfig.of(maxRunning), deltas);
    }

    int[] prompt(String text) {
        return checkpoint.promptIds(text);
    }

    /** The tokens the model under {@code delta} (null: base) gives for the prompt alone. */
    int[] alone(String delta, String prompt, SamplingParams params) {
        Generator g = new Generator(model, checkpoint.tokenizer(), checkpoint.stopTokenIds());
        ResidentDelta d = delta == null ? null : deltas.resident.get(delta);
        return g.generate(List.of(new GenerationRequest(prompt(prompt), params, d)), TokenListener.NONE).results().getFirst().tokens();
    }

    /** Steps until every sink has ended; returns the number of steps. */
    static int runUntilDone(Scheduler scheduler, List<CollectingSink> sinks, int maxSteps) {
        int steps = 0;
        while (sinks.stream().anyMatch(s -> !s.ended())) {
            if (steps++ > maxSteps) {
                throw new AssertionError("requests still running after " + maxSteps + " steps");
            }
            scheduler.step();
        }
        return steps;
    }

    @Override
    public void close() {
        deltas.resident.values().forEach(ResidentDelta::close);
        artifacts.forEach(BitDeltaArtifact::close);
        model.close();
        backend.close();
        checkpoint.close();
    }

    /** Deltas resident from the start, by name; a delta listed in {@code cold} answers null until warmed; unknown names are unavailable. */
    static final class ResidentDeltas implements DeltaProvider {
        final Map<String, ResidentDelta> resident;
        final Map<String, Integer> pins = new HashMap<>();
        final Set<String> cold = new java.util.HashSet<>();
        private Runnable wake = () -> {};

        ResidentDeltas(Map<String, ResidentDelta> resident) {
            this.resident = resident;
        }

        @Override
        public ResidentDelta acquire(String delta) {
            ResidentDelta d = resident.get(delta);
            if (d == null) {
                throw new DeltaUnavailableException(delta, "no such delta in the test rig");
            }
            if (cold.contains(delta)) {
                return null;
            }
            pins.merge(delta, 1, Integer::sum);
            return d;
        }

        @Override
        public void release(String delta) {
            pins.merge(delta, -1, Integer::sum);
        }

        @Override
        public void onReady(Runnable wake) {
            this.wake = wake;
        }

        void warm(String delta) {
            cold.remove(delta);
            wake.run();
        }

        int pinned() {
            return pins.values().stream().mapToInt(Integer::intValue).sum();
        }
    }
}
