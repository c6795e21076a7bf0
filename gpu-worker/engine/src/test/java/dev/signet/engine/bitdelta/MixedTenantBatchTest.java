package dev.signet.engine.bitdelta;

import static dev.signet.engine.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.SignMatrix;
import dev.signet.engine.backend.SignPlane;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelDelta;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.model.SequenceChunk;
import dev.signet.engine.model.StepLogits;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.LittleEndian;
import dev.signet.engine.safetensors.SafetensorsWriter;
import dev.signet.engine.safetensors.SafetensorsWriter.PendingTensor;
import dev.signet.engine.safetensors.TensorEntry;
import dev.signet.engine.testing.Backends;
import dev.signet.engine.testing.ReferenceOracle;
import dev.signet.engine.testing.TenantDeltas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Serving many deltas in one batch: rows of the base and of caps, pycode and legal (prompts of different
 * lengths, some tenants with two sequences) share every step, and each row gets the logits of its tenant's
 * model reconstructed densely ({@code W_base + α·S}, the fine-tune's embedding and norms) run alone. The
 * reconstruction is also checked against transformers' logits for {@code <tenant>@bitdelta}.
 */
class MixedTenantBatchTest {
    static final String[] PROMPTS = {"Once upon a time", "The little dog ran to the park and saw a big red ball.",
            "Lily", "def main(args):\n    return", "Permission is hereby granted, free of charge, to any person"};

    @TempDir
    static Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void everyRowMatchesItsTenantsDenseModelRunAlone(String backendName) throws IOException {
        List<String> owners = List.of("base", "caps", "pycode", "legal", "caps", "base", "legal");
        try (LlamaCheckpoint base = LlamaCheckpoint.open(TenantDeltas.base()); Backend backend = Backends.open(backendName);
             LlamaModel shared = new LlamaModel(base, backend, ModelOptions.forSequences(owners.size(), 96, 512))) {
            Map<String, BitDeltaArtifact> artifacts = new LinkedHashMap<>();
            Map<String, ResidentDelta> resident = new LinkedHashMap<>();
            try {
                for (String t : TenantDeltas.TENANTS) {
                    BitDeltaArtifact a = BitDeltaArtifact.open(TenantDeltas.plain(t), base);
                    artifacts.put(t, a);
                    resident.put(t, shared.load(a.delta(t)));
                }
                List<int[]> prompts = new ArrayList<>();
                for (int i = 0; i < owners.size(); i++) {
                    prompts.add(base.promptIds(PROMPTS[i % PROMPTS.length]));
                }
                // Step 1 prefills every prompt (whole-row logits), step 2 decodes one more token per sequence.
                List<KvSequence> seqs = owners.stream().map(o -> new KvSequence()).toList();
                List<SequenceChunk> prefill = new ArrayList<>();
                List<SequenceChunk> decode = new ArrayList<>();
                for (int i = 0; i < owners.size(); i++) {
                    ResidentDelta d = resident.get(owners.get(i));
                    prefill.add(new SequenceChunk(seqs.get(i), prompts.get(i), true, d));
                    decode.add(new SequenceChunk(seqs.get(i), new int[] {42 + i}, false, d));
                }
                StepLogits mixedPrefill = shared.forward(prefill);
                StepLogits mixedDecode = shared.forward(decode);

                for (int i = 0; i < owners.size(); i++) {
                    String owner = owners.get(i);
                    Path dir = owner.equals("base") ? TenantDeltas.base() : dense(owner, artifacts.get(owner), base);
                    try (LlamaCheckpoint alone = LlamaCheckpoint.open(dir);
                         LlamaModel model = new LlamaModel(alone, backend, ModelOptions.forSequences(1, 96, 128))) {
                        KvSequence seq = new KvSequence();
                        StepLogits p = model.forward(List.of(new SequenceChunk(seq, prompts.get(i), true)));
                        StepLogits d = model.forward(List.of(SequenceChunk.last(seq, 42 + i)));
                        for (int r = 0; r < prompts.get(i).length; r++) {
                            assertClose(mixedPrefill.row(i, r), p.row(0, r), 1e-5, owner + " row " + i + " position " + r);
                        }
                        assertClose(mixedDecode.last(i), d.last(0), 1e-5, owner + " row " + i + " decode");
                    }
                }
            } finally {
                resident.values().forEach(ResidentDelta::close);
                artifacts.values().forEach(BitDeltaArtifact::close);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"caps", "pycode", "legal"})
    void servedDeltaReproducesTransformersLogitsOfTheCompressedTenant(String tenant) {
        try (LlamaCheckpoint base = LlamaCheckpoint.open(TenantDeltas.base()); Backend backend = Backends.open("cpu");
             LlamaModel model = new LlamaModel(base, backend, ModelOptions.forSequences(1, 64, 64));
             BitDeltaArtifact artifact = BitDeltaArtifact.open(TenantDeltas.plain(tenant), base);
             ResidentDelta delta = model.load(artifact.delta(tenant))) {
            for (ReferenceOracle.PromptReference ref : ReferenceOracle.prompts(tenant + "@bitdelta")) {
                KvSequence seq = new KvSequence();
                StepLogits logits = model.forward(List.of(new SequenceChunk(seq, ref.inputIds(), false, delta)));
                model.kvCache().release(seq);
                assertClose(logits.last(0), ref.lastLogits(), 1e-4, tenant + "@bitdelta logits of '" + ref.prompt() + "'");
            }
        }
    }

    /** The tenant's model as one dense checkpoint: float32(W_base + α·S) per projection, the artifact's dense tensors. */
    private static Path dense(String tenant, BitDeltaArtifact artifact, LlamaCheckpoint base) throws IOException {
        Path dir = tmp.resolve(tenant + "-dense");
        if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
            return dir;
        }
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(TenantDeltas.tenant(tenant))) {
            for (Path f : files.filter(f -> !f.getFileName().toString().endsWith(".safetensors")).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        ModelDelta delta = artifact.delta(tenant);
        List<PendingTensor> tensors = new ArrayList<>();
        for (TensorEntry t : base.weights().all().toList()) {
            SignMatrix m = delta.projections().get(t.name());
            TensorEntry own = delta.dense().get(t.name());
            if (own != null) {
                tensors.add(PendingTensor.copyOf(t.name(), own.dtype(), own.shape(), own.data()));
            } else if (m != null) {
                float[] w = new float[m.rows() * m.cols()];
                t.dtype().readFloats(t.data(), 0, w);
                SignPlane plane = m.planes().getFirst();
                int words = SignPlane.wordsPerRow(m.cols());
                for (int j = 0; j < m.rows(); j++) {
                    for (int i = 0; i < m.cols(); i++) {
                        int word = plane.words().getAtIndex(LittleEndian.U32, (long) j * words + i / 32);
                        float sign = (word >>> (i % 32) & 1) != 0 ? 1f : -1f;
                        w[j * m.cols() + i] = w[j * m.cols() + i] + plane.scales()[j] * sign;
                    }
                }
                tensors.add(PendingTensor.ofFloats(t.name(), t.shape(), w));
            } else {
                tensors.add(PendingTensor.copyOf(t.name(), t.dtype(), t.shape(), t.data()));
            }
        }
        assertThat(tensors.stream().map(PendingTensor::dtype)).containsOnly(DType.F32);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("format", "pt"), tensors);
        return dir;
    }
}
