package dev.signet.engine.medusa;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.Weight;
import dev.signet.engine.medusa.MedusaFormatException.Check;
import dev.signet.engine.model.LlamaConfig;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.SafetensorsFile;
import dev.signet.engine.safetensors.TensorEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Medusa heads over a serving model's last hidden state h (after the final RMSNorm, what lm_head reads):
 * head i is {@code numLayers} ResBlocks {@code x ← x + SiLU(W x + b)} starting from x = h, then a vocabulary
 * projection, and guesses token t+2+i (the model's own head gives t+1). The projection is either the serving
 * model's lm_head, base's or tenant's (Signet's layout, {@code medusa_head.{i}.{L}.linear.weight} [dim, dim] and
 * {@code .linear.bias} [dim]), or each head's own {@code medusa_head.{i}.{numLayers}.weight} [vocab, dim] (the
 * original Medusa-1 layout). Everything runs as backend ops, so the heads compute wherever the model does.
 * The weights are read in place from the file, which stays open until {@link #close()}.
 */
public final class MedusaHeads implements AutoCloseable {
    public static final String FILE = "medusa_heads.safetensors";

    private final MedusaConfig config;
    private final Backend backend;
    private final SafetensorsFile file;
    private final boolean sharesLmHead;
    private final Weight[] firstLinears;  // [heads]: every head's first ResBlock reads h, so they run as one op
    private final List<Head> heads;

    /** One ResBlock: {@code x + SiLU(linear · x + bias)}. */
    private record ResBlock(Weight linear,  // [dim, dim]
                            Weight bias) {} // [1, dim]

    private record Head(List<ResBlock> blocks,
                        Weight projection) {}  // [vocab, dim]; null when the head shares the model's lm_head

    private MedusaHeads(MedusaConfig config, Backend backend, SafetensorsFile file, boolean sharesLmHead, List<Head> heads) {
        this.config = config;
        this.backend = backend;
        this.file = file;
        this.sharesLmHead = sharesLmHead;
        this.heads = List.copyOf(heads);
        this.firstLinears = heads.stream().map(h -> h.blocks().getFirst().linear()).toArray(Weight[]::new);
    }

    /**
     * Opens the heads in {@code dir} ({@code config.json} and {@code medusa_heads.safetensors}) for a model of
     * {@code model}'s shape. Checks, in order: the config; its hidden size and vocabulary against the model's;
     * the exact tensor list of the layout (declared, or inferred from whether per-head projections are present);
     * each tensor's dtype (f32, f16 or bf16) and shape. A failure is a {@link MedusaFormatException} naming the
     * check and the tensor; a file that is not valid safetensors fails as the reader's
     * {@link dev.signet.engine.safetensors.SafetensorsException}.
     */
    public static MedusaHeads load(Path dir, LlamaConfig model, Backend backend) {
        MedusaConfig config = MedusaConfig.read(dir);
        Path configFile = dir.resolve(MedusaConfig.FILE);
        if (config.hiddenSize() != model.hiddenSize()) {
            throw new MedusaFormatException(configFile, Check.MODEL, "hidden_size " + config.hiddenSize()
                    + " differs from the serving model's " + model.hiddenSize() + ": the heads were trained on another model");
        }
        if (config.vocabSize() != model.vocabSize()) {
            throw new MedusaFormatException(configFile, Check.MODEL, "vocab_size " + config.vocabSize()
                    + " differs from the serving model's " + model.vocabSize() + ": the heads were trained on another model");
        }
        Path path = dir.resolve(FILE);
        if (!Files.isRegularFile(path)) {
            throw new MedusaFormatException(path, Check.FILE, "file is missing");
        }
        SafetensorsFile file = SafetensorsFile.open(path);
        try {
            Map<String, TensorEntry> tensors = file.tensors();
            boolean shares = config.sharesLmHead().orElseGet(() -> IntStream.range(0, config.numHeads())
                    .noneMatch(i -> tensors.containsKey(projectionName(i, config.numLayers()))));
            Map<String, long[]> expected = expectedShapes(config, shares);
            checkTensorList(path, config, shares, expected, tensors);
            expected.forEach((name, shape) -> checkTensor(tensors.get(name), shape, config));
            List<Head> heads = new ArrayList<>();
            for (int i = 0; i < config.numHeads(); i++) {
                List<ResBlock> blocks = new ArrayList<>();
                for (int l = 0; l < config.numLayers(); l++) {
                    blocks.add(new ResBlock(backend.weight(tensors.get(linearName(i, l))),
                            backend.weight(tensors.get(biasName(i, l)))));
                }
                heads.add(new Head(blocks, shares ? null : backend.weight(tensors.get(projectionName(i, config.numLayers())))));
            }
            return new MedusaHeads(config, backend, file, shares, heads);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Heads of one ResBlock each that share the serving model's lm_head, from weights already on the backend
     * (synthetic heads for {@code signet bench gpu}): head i is {@code linears[i]} [dim, dim] with {@code biases[i]}
     * [1, dim]. Nothing to close.
     */
    public static MedusaHeads sharingLmHead(Backend backend, int hiddenSize, int vocabSize, Weight[] linears, Weight[] biases) {
        if (linears.length != biases.length) {
            throw new IllegalArgumentException(linears.length + " linears but " + biases.length + " biases");
        }
        List<Head> heads = new ArrayList<>();
        for (int i = 0; i < linears.length; i++) {
            heads.add(new Head(List.of(new ResBlock(linears[i], biases[i])), null));
        }
        MedusaConfig config = new MedusaConfig(linears.length, 1, Optional.of(true), hiddenSize, vocabSize, Optional.empty());
        return new MedusaHeads(config, backend, null, true, heads);
    }

    static String linearName(int head, int layer) {
        return "medusa_head." + head + "." + layer + ".linear.weight";
    }

    static String biasName(int head, int layer) {
        return "medusa_head." + head + "." + layer + ".linear.bias";
    }

    /** Medusa-1's per-head vocabulary projection: the module after the head's {@code numLayers} ResBlocks. */
    static String projectionName(int head, int numLayers) {
        return "medusa_head." + head + "." + numLayers + ".weight";
    }

    /** Every tensor of the layout with its shape, head by head in computation order. */
    private static Map<String, long[]> expectedShapes(MedusaConfig c, boolean shares) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int i = 0; i < c.numHeads(); i++) {
            for (int l = 0; l < c.numLayers(); l++) {
                shapes.put(linearName(i, l), new long[] {c.hiddenSize(), c.hiddenSize()});
                shapes.put(biasName(i, l), new long[] {c.hiddenSize()});
            }
            if (!shares) {
                shapes.put(projectionName(i, c.numLayers()), new long[] {c.vocabSize(), c.hiddenSize()});
            }
        }
        return shapes;
    }

    private static void checkTensorList(Path path, MedusaConfig c, boolean shares, Map<String, long[]> expected,
                                        Map<String, TensorEntry> tensors) {
        List<String> missing = expected.keySet().stream().filter(n -> !tensors.containsKey(n)).toList();
        List<String> unexpected = tensors.keySet().stream().filter(n -> !expected.containsKey(n)).toList();
        if (missing.isEmpty() && unexpected.isEmpty()) {
            return;
        }
        String layout = c.numHeads() + " heads of " + c.numLayers() + (c.numLayers() == 1 ? " ResBlock " : " ResBlocks ")
                + (shares ? "sharing the model's lm_head" : "each with its own vocabulary projection")
                + (c.sharesLmHead().isPresent() ? " (as config.json declares)" : " (inferred from the tensors)");
        List<String> problems = new ArrayList<>();
        if (!missing.isEmpty()) {
            problems.add("missing " + listed(missing));
        }
        if (!unexpected.isEmpty()) {
            problems.add("unexpected " + listed(unexpected));
        }
        String first = !missing.isEmpty() ? missing.getFirst() : unexpected.getFirst();
        throw new MedusaFormatException(path, Check.TENSOR_LIST, first, String.join("; ", problems) + " for " + layout);
    }

    /** Names in full up to eight, then a count: an error message, not a dump of a 70B checkpoint. */
    private static String listed(List<String> names) {
        String shown = names.stream().limit(8).collect(Collectors.joining(", ", "[", names.size() > 8 ? ", ...]" : "]"));
        return names.size() + (names.size() == 1 ? " tensor " : " tensors ") + shown;
    }

    private static void checkTensor(TensorEntry t, long[] shape, MedusaConfig c) {
        if (!t.dtype().isWeightType()) {
            throw new MedusaFormatException(t.file(), Check.DTYPE, t.name(), "dtype " + t.dtype() + "; weights must be "
                    + List.of(DType.F32, DType.F16, DType.BF16));
        }
        if (!t.hasShape(shape)) {
            throw new MedusaFormatException(t.file(), Check.SHAPE, t.name(), "shape " + t.shapeString() + "; expected "
                    + Arrays.toString(shape) + " for hidden_size " + c.hiddenSize() + ", vocab_size " + c.vocabSize());
        }
    }

    public MedusaConfig config() {
        return config;
    }

    /** K, the number of heads; head i guesses token t+2+i. */
    public int count() {
        return heads.size();
    }

    /** Whether the heads end in the serving model's lm_head rather than projections of their own. */
    public boolean sharesLmHead() {
        return sharesLmHead;
    }

    /**
     * Work buffers for {@link #logits(Activations, int, Weight, Scratch, Activations)} on up to {@code maxRows}
     * hidden rows; made once and reused every step, as the model's own buffers are.
     */
    public Scratch scratch(int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be positive, got " + maxRows);
        }
        return new Scratch(this, maxRows);
    }

    /** The intermediate buffers of one {@link MedusaHeads}, for a bounded number of hidden rows. */
    public static final class Scratch {
        private final MedusaHeads owner;
        private final int maxRows;
        private final Activations[] first;  // [heads] × [maxRows, dim]: each head's first ResBlock output
        private final Activations spare;    // [maxRows, dim]: ping-pong partner for further ResBlocks
        private final Activations stacked;  // [maxRows · heads, dim]: row r·K + i = head i's final state of row r; shared layout
        private final Activations logits;   // [maxRows, vocab]: one head's logits before interleaving; own projections

        private Scratch(MedusaHeads owner, int maxRows) {
            this.owner = owner;
            this.maxRows = maxRows;
            Backend b = owner.backend;
            int dim = owner.config.hiddenSize();
            this.first = new Activations[owner.count()];
            for (int i = 0; i < first.length; i++) {
                first[i] = b.activations(maxRows, dim);
            }
            this.spare = owner.config.numLayers() > 1 ? b.activations(maxRows, dim) : null;
            this.stacked = owner.sharesLmHead ? b.activations(Math.multiplyExact(maxRows, owner.count()), dim) : null;
            this.logits = owner.sharesLmHead ? null : b.activations(maxRows, owner.config.vocabSize());
        }

        public int maxRows() {
            return maxRows;
        }
    }

    /**
     * Every head's logits for the leading {@code rows} rows of {@code hidden} [rows, dim], on the backend.
     * {@code out} is [rows · K, vocab], row-major [rows, heads, vocab]: row {@code r · count() + i} holds head i's
     * logits for hidden row r, so one hidden row's K guesses are adjacent. {@code lmHead} [vocab, dim] is the
     * serving model's classifier (the base's or the tenant's) when the heads share it, and is ignored (may be
     * null) when each head has its own projection. With a shared lm_head every head's final state is stacked
     * and the classifier runs once over all of them, so its (largest) weight is read once per call.
     */
    public void logits(Activations hidden, int rows, Weight lmHead, Scratch scratch, Activations out) {
        checkCall(hidden, rows, lmHead, scratch, out);
        int k = count();
        int[][] destinations = new int[k][rows];  // head i's row r goes to row r·K + i
        for (int i = 0; i < k; i++) {
            for (int r = 0; r < rows; r++) {
                destinations[i][r] = r * k + i;
            }
        }
        backend.matmul(hidden, rows, firstLinears, scratch.first);
        for (int i = 0; i < k; i++) {
            Head head = heads.get(i);
            Activations x = scratch.first[i];
            finishResBlock(head.blocks().getFirst(), hidden, x, rows);
            for (ResBlock block : head.blocks().subList(1, head.blocks().size())) {
                Activations y = x == scratch.spare ? scratch.first[i] : scratch.spare;
                backend.matmul(block.linear(), x, rows, y);
                finishResBlock(block, x, y, rows);
                x = y;
            }
            if (sharesLmHead) {
                backend.scatterRows(x, destinations[i], scratch.stacked);
            } else {
                backend.matmul(head.projection(), x, rows, scratch.logits);
                backend.scatterRows(scratch.logits, destinations[i], out);
            }
        }
        if (sharesLmHead) {
            backend.matmul(lmHead, scratch.stacked, rows * k, out);
        }
    }

    /** {@code y ← x + SiLU(y + b)} where y already holds {@code W x}. */
    private void finishResBlock(ResBlock block, Activations x, Activations y, int rows) {
        backend.addBias(y, block.bias(), rows);
        backend.silu(y, rows);
        backend.add(y, x, rows);
    }

    private void checkCall(Activations hidden, int rows, Weight lmHead, Scratch scratch, Activations out) {
        int dim = config.hiddenSize();
        int vocab = config.vocabSize();
        if (scratch.owner != this) {
            throw new IllegalArgumentException("the scratch buffers belong to other Medusa heads");
        }
        if (rows < 1 || rows > scratch.maxRows || rows > hidden.capacityRows()) {
            throw new IllegalArgumentException(rows + " rows: the hidden buffer holds " + hidden.capacityRows()
                    + " and the scratch " + scratch.maxRows);
        }
        if (hidden.cols() != dim) {
            throw new IllegalArgumentException("hidden rows of " + hidden.cols() + " for heads of hidden size " + dim);
        }
        if (out.cols() != vocab || out.capacityRows() < rows * count()) {
            throw new IllegalArgumentException("logits buffer [" + out.capacityRows() + ", " + out.cols() + "] cannot hold "
                    + rows + " rows × " + count() + " heads of " + vocab + " logits");
        }
        if (sharesLmHead && (lmHead == null || lmHead.rows() != vocab || lmHead.cols() != dim)) {
            throw new IllegalArgumentException("the heads share the model's lm_head [" + vocab + ", " + dim + "], got "
                    + (lmHead == null ? "none" : lmHead.name() + " [" + lmHead.rows() + ", " + lmHead.cols() + "]"));
        }
    }

    /**
     * {@link #logits(Activations, int, Weight, Scratch, Activations)} for hidden states held on the host:
     * {@code hiddenRows} is [rows, dim] row-major; returns [rows, heads, vocab] row-major.
     */
    public float[] logits(float[] hiddenRows, int rows, Weight lmHead) {
        int dim = config.hiddenSize();
        if (rows < 1 || hiddenRows.length != rows * dim) {
            throw new IllegalArgumentException(hiddenRows.length + " floats are not " + rows + " rows of " + dim);
        }
        Activations hidden = backend.activations(rows, dim);
        backend.write(hiddenRows, rows, hidden);
        Activations out = backend.activations(rows * count(), config.vocabSize());
        logits(hidden, rows, lmHead, scratch(rows), out);
        float[] result = new float[rows * count() * config.vocabSize()];
        backend.read(out, rows * count(), result);
        return result;
    }

    /** Releases the file the weights are read from; the heads must not be used afterwards. */
    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
    }

    @Override
    public String toString() {
        return "MedusaHeads[" + count() + " heads × " + config.numLayers() + " ResBlocks, "
                + (sharesLmHead ? "shared lm_head" : "own projections") + ", " + (file == null ? "in memory" : file.path()) + "]";
    }
}
