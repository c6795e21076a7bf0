package dev.signet.engine.bitdelta;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.SignMatrix;
import dev.signet.engine.eval.EvalWindows;
import dev.signet.engine.eval.ModelComparison;
import dev.signet.engine.eval.ModelVariant;
import dev.signet.engine.eval.WindowRunner;
import dev.signet.engine.model.ActivationTap.Site;
import dev.signet.engine.model.LayerWeights;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaConfig;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.LlamaWeights;
import dev.signet.engine.model.ModelDelta;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.safetensors.SafetensorsWriter;
import dev.signet.engine.safetensors.SafetensorsWriter.PendingTensor;
import dev.signet.engine.safetensors.TensorEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a fine-tune into a BitDelta artifact against its base (docs/bitdelta-format.md). It streams tensor by
 * tensor from the two checkpoints' mappings into a draft file, so memory stays a few rows (plus, when
 * calibrating, a band of layers' input covariances) whatever the model's size; then chooses which extra sign
 * planes the size budget buys, measures the quality report on the chosen delta, and writes the final artifact
 * with its checksums. Tensors the fine-tune left bit-identical are not stored.
 */
public final class BitDeltaCompressor {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Told after each tensor: work done and total, in weights read. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (tensor, done, total) -> {};

        void advance(String tensor, long done, long total);
    }

    private final Supplier<Backend> backends;

    /** backends: opens the backend calibration and the quality report run on (the CPU one in production). */
    public BitDeltaCompressor(Supplier<Backend> backends) {
        this.backends = backends;
    }

    public CompressionReport compress(LlamaCheckpoint base, LlamaCheckpoint tuned, Path out, CompressionOptions options,
                                      Progress progress) throws IOException {
        checkArchitecture(base, tuned);
        String digest = BaseDigest.of(base.weights());
        Path draft = out.resolveSibling(out.getFileName() + ".draft");
        try (Backend backend = backends.get();
             Calibration calibration = options.calibrated() ? new Calibration(tuned, backend, options) : null) {
            CompressionPlan plan = plan(base.weights(), tuned.weights(), calibration);
            SafetensorsWriter.write(draft, metadata(digest, plan.listing(plan.allSecondPlanes())), plan.tensors(progress));

            Set<String> secondPlanes = plan.chooseSecondPlanes(options.sizeBudget());
            try (BitDeltaArtifact drafted = BitDeltaArtifact.openDraft(draft, base.weights(), digest)) {
                ModelDelta delta = withPlanes(drafted.delta(tuned.dir().getFileName().toString()), secondPlanes);
                ObjectNode quality = options.qualityText() == null ? JSON.createObjectNode()
                        : quality(base, tuned, backend, delta, options.qualityText(), calibration);
                ObjectNode settings = plan.settings(options, secondPlanes, calibration == null ? null : calibration.inputs);
                Map<String, String> metadata = metadata(digest, plan.listing(secondPlanes));
                List<PendingTensor> kept = new ArrayList<>();
                ObjectNode checksums = JSON.createObjectNode();
                for (TensorEntry t : drafted.storedTensors()) {
                    if (plan.keeps(t.name(), secondPlanes)) {
                        kept.add(PendingTensor.copyOf(t.name(), t.dtype(), t.shape(), t.data()));
                        checksums.put(t.name(), BaseDigest.sha256(t.data()));
                    }
                }
                metadata.put(BitDeltaFormat.KEY_CHECKSUMS, checksums.toString());
                metadata.put(BitDeltaFormat.KEY_SETTINGS, settings.toString());
                metadata.put(BitDeltaFormat.KEY_QUALITY, quality.toString());
                SafetensorsWriter.write(out, metadata, kept);
                return new CompressionReport(out, Files.size(out), plan.oneBitBytes(), plan.bytes(secondPlanes), settings, quality);
            }
        } finally {
            Files.deleteIfExists(draft);
        }
    }

    private static Map<String, String> metadata(String digest, ObjectNode tensorList) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(BitDeltaFormat.KEY_FORMAT, BitDeltaFormat.FORMAT);
        metadata.put(BitDeltaFormat.KEY_VERSION, String.valueOf(BitDeltaFormat.VERSION));
        metadata.put(BitDeltaFormat.KEY_BASE_DIGEST, digest);
        metadata.put(BitDeltaFormat.KEY_TENSORS, tensorList.toString());
        return metadata;
    }

    /** The fine-tune must be the base's architecture: same config (but its stop tokens), hence the same shapes. */
    private static void checkArchitecture(LlamaCheckpoint base, LlamaCheckpoint tuned) {
        LlamaConfig b = base.config();
        LlamaConfig t = tuned.config();
        LlamaConfig comparable = new LlamaConfig(t.vocabSize(), t.hiddenSize(), t.intermediateSize(), t.numLayers(),
                t.numHeads(), t.numKvHeads(), t.headDim(), t.maxPositionEmbeddings(), t.rmsNormEps(), t.ropeTheta(),
                t.ropeScaling(), t.tieWordEmbeddings(), b.eosTokenIds());
        if (!comparable.equals(b)) {
            throw new BitDeltaException(tuned.dir(), BitDeltaException.Check.ARCHITECTURE, "the fine-tune's config " + t
                    + " differs from the base's " + b + ": a delta needs the base's architecture and shapes");
        }
    }

    /** What goes into the draft, tensor by tensor in forward order. */
    private static CompressionPlan plan(LlamaWeights base, LlamaWeights tuned, Calibration calibration) {
        List<PlannedTensor> items = new ArrayList<>();
        addDense(items, base.tokenEmbedding(), tuned.tokenEmbedding());
        for (int l = 0; l < base.layers().size(); l++) {
            LayerWeights b = base.layers().get(l);
            LayerWeights t = tuned.layers().get(l);
            InputCovariances inputs = calibration == null ? null : calibration.inputs;
            int planes = calibration == null ? 1 : 2;
            addDense(items, b.attnNorm(), t.attnNorm());
            items.add(new MatrixCompression(b.wq(), t.wq(), l, Site.ATTENTION_INPUT, planes, inputs));
            items.add(new MatrixCompression(b.wk(), t.wk(), l, Site.ATTENTION_INPUT, planes, inputs));
            items.add(new MatrixCompression(b.wv(), t.wv(), l, Site.ATTENTION_INPUT, planes, inputs));
            items.add(new MatrixCompression(b.wo(), t.wo(), l, Site.ATTENTION_OUTPUT, planes, inputs));
            addDense(items, b.ffnNorm(), t.ffnNorm());
            items.add(new MatrixCompression(b.gate(), t.gate(), l, Site.MLP_INPUT, planes, inputs));
            items.add(new MatrixCompression(b.up(), t.up(), l, Site.MLP_INPUT, planes, inputs));
            items.add(new MatrixCompression(b.down(), t.down(), l, Site.MLP_ACTIVATION, planes, inputs));
        }
        addDense(items, base.finalNorm(), tuned.finalNorm());
        if (base.lmHead() != base.tokenEmbedding()) {
            addDense(items, base.lmHead(), tuned.lmHead());
        }
        return new CompressionPlan(items, calibration != null);
    }

    /** A non-projection tensor is stored whole when any byte differs from the base's (dtype included). */
    private static void addDense(List<PlannedTensor> items, TensorEntry base, TensorEntry tuned) {
        if (base.dtype() != tuned.dtype() || base.data().mismatch(tuned.data()) != -1) {
            items.add(new PlannedTensor.Dense(tuned));
        }
    }

    /** The drafted delta with only the chosen second planes. */
    private static ModelDelta withPlanes(ModelDelta all, Set<String> secondPlanes) {
        Map<String, SignMatrix> projections = new LinkedHashMap<>();
        all.projections().forEach((name, m) -> projections.put(name, secondPlanes.contains(name) || m.planes().size() == 1 ? m
                : new SignMatrix(name, m.rows(), m.cols(), m.planes().subList(0, 1))));
        return new ModelDelta(all.id(), projections, all.dense());
    }

    private static ObjectNode quality(LlamaCheckpoint base, LlamaCheckpoint tuned, Backend backend, ModelDelta delta,
                                      Path text, Calibration calibration) {
        EvalWindows windows = EvalWindows.read(text, tuned.tokenizer());
        try (LlamaModel tunedModel = calibration != null ? null : new LlamaModel(tuned, backend, WindowRunner.options(windows.length()));
             LlamaModel baseModel = new LlamaModel(base, backend, WindowRunner.options(windows.length()));
             ResidentDelta resident = baseModel.load(delta)) {
            LlamaModel reference = calibration != null ? calibration.model : tunedModel;
            ModelComparison c = ModelComparison.measure(ModelVariant.base(reference), new ModelVariant(baseModel, resident), windows);
            ObjectNode q = JSON.createObjectNode();
            q.put("text", text.getFileName().toString());
            q.put("windows", c.windows());
            q.put("tokens_scored", c.tokensScored());
            q.put("finetune_perplexity", c.reference().perplexity());
            q.put("compressed_perplexity", c.candidate().perplexity());
            q.put("perplexity_ratio", c.candidate().perplexity() / c.reference().perplexity());
            q.put("mean_kl", c.meanKl());
            return q;
        }
    }

    /** The fine-tune resident for calibration passes, the calibration windows, and the covariances they feed. */
    private static final class Calibration implements AutoCloseable {
        final LlamaModel model;
        final EvalWindows windows;
        final InputCovariances inputs;
        final Path text;

        Calibration(LlamaCheckpoint tuned, Backend backend, CompressionOptions options) {
            this.text = options.calibrationText();
            this.windows = EvalWindows.read(text, tuned.tokenizer(), options.calibrationWindows(), EvalWindows.DEFAULT_LENGTH);
            this.model = new LlamaModel(tuned, backend, WindowRunner.options(windows.length()));
            this.inputs = new InputCovariances(tuned.config(), options.covarianceMemory(),
                    tap -> WindowRunner.run(List.of(ModelVariant.base(model)), windows, tap, (index, logits) -> {}));
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
