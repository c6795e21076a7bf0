package dev.signet.engine.model;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.BatchLayout;
import dev.signet.engine.backend.DeltaSegment;
import dev.signet.engine.backend.DeltaWeight;
import dev.signet.engine.backend.SequenceRows;
import dev.signet.engine.backend.SignMatrix;
import dev.signet.engine.backend.Weight;
import dev.signet.engine.kv.KvCachePool;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.safetensors.TensorEntry;
import dev.signet.engine.sampling.RowSampling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * A Llama checkpoint resident on a backend, and its forward pass. One {@link #forward} step runs rows of
 * many sequences together, each continuing from its own cached length (prefill chunks and decode tokens
 * mixed); the pass is written once here in terms of {@link Backend} ops, in the order of Hugging Face's
 * {@code LlamaForCausalLM}. Rows of many tenants share a step: each sequence runs under a {@link ResidentDelta}
 * (or the plain base), rows are grouped by delta into segments, and every projection adds each segment's sign
 * planes to the base product; a tenant's own embedding, norms and lm_head apply to its rows only. Not
 * thread-safe: the thread that owns the backend calls it. Closing it frees its KV cache; the weights belong to
 * the checkpoint and the backend, deltas to whoever loaded them.
 */
public final class LlamaModel implements AutoCloseable {
    private final LlamaConfig config;
    private final LlamaWeights baseWeights;
    private final Backend backend;
    private final ModelOptions options;
    private final KvCachePool kvCache;
    private final Weight embedding;
    private final List<ResidentLayer> layers;
    private final Weight finalNorm;
    private final Weight lmHead;
    private final Weight invFreq;
    private final Workspace ws;
    private boolean samplesOnBackend;
    /** Rows of logits computed per classifier pass: bounds the buffer (256 × 128k vocabulary = 128 MB). */
    private static final int LOGIT_ROWS = 256;

    /** A layer's weights as the backend holds them; projections of the same input are grouped. */
    private record ResidentLayer(Weight attnNorm, Weight[] qkv, Weight wo, Weight ffnNorm, Weight[] gateUp, Weight down) {}

    /** Work buffers sized for the largest step, allocated once. */
    private record Workspace(
            Activations x,       // [rows, dim] residual stream
            Activations h,       // [rows, dim] normed input / projection output
            Activations q,       // [rows, heads * headDim]
            Activations k,       // [rows, kvHeads * headDim]
            Activations v,       // [rows, kvHeads * headDim]
            Activations attn,    // [rows, heads * headDim]
            Activations gate,    // [rows, hidden]
            Activations up,      // [rows, hidden]
            Activations rotary,  // [rows, headDim] cos | sin
            Activations own,     // [rows, dim] a tenant's rows gathered for its own norm
            Activations ownOut,  // [rows, dim] the same rows normed, before they are scattered back
            Activations picked,  // [logitRows, dim] rows that need logits
            Activations logits,  // [logitRows, vocab]
            Activations[] qkv,   // {q, k, v}: outputs of one grouped projection
            Activations[] gateUp) {
        Workspace(Activations x, Activations h, Activations q, Activations k, Activations v, Activations attn,
                  Activations gate, Activations up, Activations rotary, Activations own, Activations ownOut,
                  Activations picked, Activations logits) {
            this(x, h, q, k, v, attn, gate, up, rotary, own, ownOut, picked, logits, new Activations[] {q, k, v},
                    new Activations[] {gate, up});
        }
    }

    public LlamaModel(LlamaConfig config, LlamaWeights w, Backend backend, ModelOptions options) {
        this.config = config;
        this.baseWeights = w;
        this.backend = backend;
        this.options = options;
        this.embedding = backend.weight(w.tokenEmbedding());
        this.layers = w.layers().stream().map(l -> new ResidentLayer(
                backend.weight(l.attnNorm()),
                new Weight[] {backend.weight(l.wq()), backend.weight(l.wk()), backend.weight(l.wv())},
                backend.weight(l.wo()),
                backend.weight(l.ffnNorm()),
                new Weight[] {backend.weight(l.gate()), backend.weight(l.up())},
                backend.weight(l.down()))).toList();
        this.finalNorm = backend.weight(w.finalNorm());
        this.lmHead = w.lmHead() == w.tokenEmbedding() ? embedding : backend.weight(w.lmHead());
        this.invFreq = backend.constant("rope.inv_freq", config.ropeScaling().inverseFrequencies(config.headDim(), config.ropeTheta()));
        int rows = options.maxBatchRows();
        int logitRows = Math.min(rows, LOGIT_ROWS);
        this.ws = new Workspace(
                backend.activations(rows, config.hiddenSize()),
                backend.activations(rows, config.hiddenSize()),
                backend.activations(rows, config.qDim()),
                backend.activations(rows, config.kvDim()),
                backend.activations(rows, config.kvDim()),
                backend.activations(rows, config.qDim()),
                backend.activations(rows, config.intermediateSize()),
                backend.activations(rows, config.intermediateSize()),
                backend.activations(rows, config.headDim()),
                backend.activations(rows, config.hiddenSize()),
                backend.activations(rows, config.hiddenSize()),
                backend.activations(logitRows, config.hiddenSize()),
                backend.activations(logitRows, config.vocabSize()));
        this.kvCache = new KvCachePool(backend, config.numLayers(), config.kvDim(), options.kvBlocks(), options.blockSize());
        this.samplesOnBackend = backend.samplesOnDevice();
    }

    public LlamaModel(LlamaCheckpoint checkpoint, Backend backend, ModelOptions options) {
        this(checkpoint.config(), checkpoint.weights(), backend, options);
    }

    public LlamaConfig config() {
        return config;
    }

    public ModelOptions options() {
        return options;
    }

    /** The base weights this model was built from (host tensors; deltas are checked against them). */
    public LlamaWeights weights() {
        return baseWeights;
    }

    /** The classifier rows under {@code delta} run through: the tenant's own lm_head, or the base's (also for null). */
    public Weight classifier(ResidentDelta delta) {
        return delta != null && delta.lmHead() != null ? delta.lmHead() : lmHead;
    }

    public KvCachePool kvCache() {
        return kvCache;
    }

    /**
     * Makes a tenant's delta resident on this model's backend, after checking that every tensor it names is
     * one of the base's with the base's shape (sign planes only for the seven projections). The delta's host
     * data (the artifact's mapping) must stay open while it is resident.
     */
    public ResidentDelta load(ModelDelta delta) {
        Set<String> unused = new HashSet<>(delta.projections().keySet());
        unused.addAll(delta.dense().keySet());
        Function<TensorEntry, Weight> dense = base -> {
            TensorEntry t = delta.dense().get(base.name());
            if (t == null) {
                return null;
            }
            if (!Arrays.equals(t.shape(), base.shape())) {
                throw new IllegalArgumentException(delta.id() + ": dense tensor '" + base.name() + "' has shape "
                        + t.shapeString() + ", the base's is " + base.shapeString());
            }
            unused.remove(base.name());
            return backend.weight(t);
        };
        Function<TensorEntry, DeltaWeight> signs = base -> {
            SignMatrix m = delta.projections().get(base.name());
            if (m == null) {
                return null;
            }
            if (delta.dense().containsKey(base.name())) {
                throw new IllegalArgumentException(delta.id() + ": '" + base.name() + "' is both sign-compressed and dense");
            }
            if (m.rows() != base.dim(0) || m.cols() != base.dim(1)) {
                throw new IllegalArgumentException(delta.id() + ": sign matrix '" + base.name() + "' is [" + m.rows()
                        + ", " + m.cols() + "], the base's projection is " + base.shapeString());
            }
            unused.remove(base.name());
            return backend.delta(m);
        };
        List<ResidentDelta.Layer> layers = new ArrayList<>();
        for (LayerWeights l : baseWeights.layers()) {
            layers.add(new ResidentDelta.Layer(
                    dense.apply(l.attnNorm()),
                    new DeltaWeight[] {signs.apply(l.wq()), signs.apply(l.wk()), signs.apply(l.wv())},
                    new DeltaWeight[] {signs.apply(l.wo())},
                    dense.apply(l.ffnNorm()),
                    new DeltaWeight[] {signs.apply(l.gate()), signs.apply(l.up())},
                    new DeltaWeight[] {signs.apply(l.down())}));
        }
        Weight embedding = dense.apply(baseWeights.tokenEmbedding());
        Weight finalNorm = dense.apply(baseWeights.finalNorm());
        Weight lmHead = baseWeights.lmHead() == baseWeights.tokenEmbedding() ? embedding : dense.apply(baseWeights.lmHead());
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(delta.id() + ": tensors " + unused.stream().sorted().toList()
                    + " are not weights of the base model (or cannot be sign-compressed)");
        }
        return new ResidentDelta(delta.id(), layers, embedding, finalNorm, lmHead);
    }

    /**
     * After a step ran a tree chunk for {@code seq} from cache length {@code from}, keeps the tree's accepted
     * path: chunk rows {@code path[0], path[1], ...} (a root and its descendants, one per depth) become positions
     * {@code from, from + 1, ...}, their keys and values moved into place, and everything the tree cached past the
     * path is dropped (blocks beyond it return to the pool).
     */
    public void keepPath(KvSequence seq, int from, int[] path) {
        if (from < 0 || from + path.length > seq.length()) {
            throw new IllegalArgumentException("a path of " + path.length + " rows from position " + from
                    + " does not fit the " + seq.length() + " cached positions");
        }
        int moved = 0;
        int[] src = new int[path.length];
        int[] dst = new int[path.length];
        int[] table = seq.blockTable();
        int bs = options.blockSize();
        for (int j = 0; j < path.length; j++) {
            if (path[j] < j || from + path[j] >= seq.length()) {
                throw new IllegalArgumentException("path row " + path[j] + " at depth " + j + " is not a tree row of this step");
            }
            if (path[j] != j) {   // path[j] >= j (a node at depth j comes after its j ancestors), so moving in order is safe
                int p = from + path[j];
                int q = from + j;
                src[moved] = table[p / bs] * bs + p % bs;
                dst[moved] = table[q / bs] * bs + q % bs;
                moved++;
            }
        }
        if (moved > 0) {
            backend.copyKv(kvCache.storage(), Arrays.copyOf(src, moved), Arrays.copyOf(dst, moved));
        }
        kvCache.truncate(seq, from + path.length);
    }

    /** Rows {@code [firstRow, firstRow + rowCount)} of a step run under one delta (null: the base), from the given chunks. */
    private record Group(ResidentDelta delta, int firstRow, int rowCount, List<Integer> chunks) {
        int[] rowIndices() {
            return IntStream.range(firstRow, firstRow + rowCount).toArray();
        }
    }

    /**
     * Runs one step: every chunk's tokens continue its sequence (their keys and values are cached) under the
     * chunk's delta, and the logits of each chunk's last row, or all its rows, come back. The KV blocks the
     * chunks need must be free; a step that is malformed or does not fit fails before computing anything and
     * changes no sequence. If the computation itself fails, sequence lengths are unchanged but blocks reserved
     * for the step stay with their sequences until released.
     */
    public StepLogits forward(List<SequenceChunk> chunks) {
        return forward(chunks, null);
    }

    /** {@link #forward(List)}, showing {@code tap} (when not null) the inputs of the projections of the layers it wants. */
    public StepLogits forward(List<SequenceChunk> chunks, ActivationTap tap) {
        validate(chunks);
        reserveKv(chunks);
        List<Group> groups = groupByDelta(chunks);
        List<SequenceRows> seqRows = new ArrayList<>(chunks.size());
        int[][] tokens = new int[chunks.size()][];
        SequenceRows[] rowsOfChunk = new SequenceRows[chunks.size()];
        int row = 0;
        for (Group g : groups) {
            for (int c : g.chunks()) {
                SequenceChunk chunk = chunks.get(c);
                SequenceRows r = new SequenceRows(row, chunk.tokens().length, chunk.sequence().length(), chunk.sequence().blockTable(),
                        chunk.parents());
                rowsOfChunk[c] = r;
                tokens[seqRows.size()] = chunk.tokens();
                seqRows.add(r);
                row += chunk.tokens().length;
            }
        }
        BatchLayout layout = BatchLayout.of(options.blockSize(), seqRows, tokens);

        runLayers(layout, groups, tap);

        for (SequenceChunk chunk : chunks) {
            kvCache.advance(chunk.sequence(), chunk.sequence().length() + chunk.tokens().length);
        }
        return logits(chunks, groups, rowsOfChunk);
    }

    /** Chunks grouped by delta, the base's first, then deltas in order of first appearance; chunk order kept within a group. */
    private static List<Group> groupByDelta(List<SequenceChunk> chunks) {
        Map<ResidentDelta, List<Integer>> byDelta = new LinkedHashMap<>();
        byDelta.put(null, new ArrayList<>());
        for (int c = 0; c < chunks.size(); c++) {
            byDelta.computeIfAbsent(chunks.get(c).delta(), d -> new ArrayList<>()).add(c);
        }
        List<Group> groups = new ArrayList<>();
        int row = 0;
        for (var e : byDelta.entrySet()) {
            int rows = e.getValue().stream().mapToInt(c -> chunks.get(c).tokens().length).sum();
            if (rows > 0) {
                groups.add(new Group(e.getKey(), row, rows, e.getValue()));
                row += rows;
            }
        }
        return groups;
    }

    private void validate(List<SequenceChunk> chunks) {
        if (chunks.isEmpty()) {
            throw new IllegalArgumentException("a step needs at least one chunk");
        }
        int rows = chunks.stream().mapToInt(c -> c.tokens().length).sum();
        if (rows > options.maxBatchRows()) {
            throw new IllegalArgumentException("step of " + rows + " rows exceeds the model's budget of " + options.maxBatchRows());
        }
        Set<KvSequence> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (SequenceChunk chunk : chunks) {
            if (!seen.add(chunk.sequence())) {
                throw new IllegalArgumentException("a sequence appears twice in one step; give it one chunk");
            }
            if (chunk.delta() != null && chunk.delta().isClosed()) {
                throw new IllegalArgumentException(chunk.delta() + " was unloaded; its sequences cannot run");
            }
            for (int token : chunk.tokens()) {
                if (token < 0 || token >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + config.vocabSize());
                }
            }
        }
    }

    private void reserveKv(List<SequenceChunk> chunks) {
        int needed = 0;
        for (SequenceChunk chunk : chunks) {
            KvSequence seq = chunk.sequence();
            int end = seq.length() + chunk.tokens().length;
            if (end > config.maxPositionEmbeddings()) {
                throw new IllegalArgumentException("sequence would reach position " + end
                        + ", past the model's max_position_embeddings " + config.maxPositionEmbeddings());
            }
            needed += Math.max(0, kvCache.blocksFor(end) - seq.blockCount());
        }
        if (needed > kvCache.freeBlocks()) {
            throw new KvCacheFullException(needed, kvCache.freeBlocks());
        }
        for (SequenceChunk chunk : chunks) {
            kvCache.reserve(chunk.sequence(), chunk.sequence().length() + chunk.tokens().length);
        }
    }

    private void runLayers(BatchLayout layout, List<Group> groups, ActivationTap tap) {
        int n = layout.rows();
        float eps = config.rmsNormEps();
        List<Group> tenants = groups.stream().filter(g -> g.delta() != null).toList();
        backend.embed(embedding, layout.tokens(), n, ws.x());
        for (Group g : tenants) {
            if (g.delta().embedding() != null) {
                int[] own = Arrays.copyOfRange(layout.tokens(), g.firstRow(), g.firstRow() + g.rowCount());
                backend.embed(g.delta().embedding(), own, g.rowCount(), ws.own());
                backend.scatterRows(ws.own(), g.rowIndices(), ws.x());
            }
        }
        backend.rotaryTable(invFreq, layout.positions(), n, ws.rotary());
        for (int l = 0; l < layers.size(); l++) {
            ResidentLayer w = layers.get(l);
            int layer = l;
            boolean tapped = tap != null && tap.wants(l);
            // x += the previous layer's MLP output (in h) fused into this norm
            rmsNorm(w.attnNorm(), g -> g.delta().layer(layer).attnNorm(), tenants, n, l > 0);
            if (tapped) {
                show(tap, l, ActivationTap.Site.ATTENTION_INPUT, ws.h(), n);
            }
            backend.matmul(ws.h(), n, w.qkv(), ws.qkv(), segments(tenants, d -> d.layer(layer).qkv()));
            backend.rope(ws.q(), ws.k(), config.headDim(), ws.rotary(), n);
            backend.attention(kvCache.storage(), l, ws.q(), ws.k(), ws.v(), config.numHeads(), config.numKvHeads(),
                    config.headDim(), layout, ws.attn());
            if (tapped) {
                show(tap, l, ActivationTap.Site.ATTENTION_OUTPUT, ws.attn(), n);
            }
            backend.matmul(ws.attn(), n, new Weight[] {w.wo()}, new Activations[] {ws.h()}, segments(tenants, d -> d.layer(layer).wo()));
            rmsNorm(w.ffnNorm(), g -> g.delta().layer(layer).ffnNorm(), tenants, n, true);
            if (tapped) {
                show(tap, l, ActivationTap.Site.MLP_INPUT, ws.h(), n);
            }
            backend.matmul(ws.h(), n, w.gateUp(), ws.gateUp(), segments(tenants, d -> d.layer(layer).gateUp()));
            backend.swiglu(ws.gate(), ws.up(), n);
            if (tapped) {
                show(tap, l, ActivationTap.Site.MLP_ACTIVATION, ws.gate(), n);
            }
            backend.matmul(ws.gate(), n, new Weight[] {w.down()}, new Activations[] {ws.h()}, segments(tenants, d -> d.layer(layer).down()));
        }
        if (!layers.isEmpty()) {
            backend.add(ws.x(), ws.h(), n);  // the last layer's MLP residual (the others' went into the next norm)
        }
    }

    private void show(ActivationTap tap, int layer, ActivationTap.Site site, Activations a, int n) {
        float[] rows = new float[n * a.cols()];
        backend.read(a, n, rows);
        tap.observe(layer, site, rows, n, a.cols());
    }

    /**
     * {@code h = rmsNorm(x)} with the base's gain, then again with their own gain for the tenants that have one;
     * with {@code residual}, first {@code x += h} (a sublayer's output joins the residual stream in the same op).
     */
    private void rmsNorm(Weight baseGain, Function<Group, Weight> ownGain, List<Group> tenants, int n, boolean residual) {
        if (residual) {
            backend.addRmsNorm(ws.x(), ws.h(), baseGain, config.rmsNormEps(), n, ws.h());
        } else {
            backend.rmsNorm(ws.x(), baseGain, config.rmsNormEps(), n, ws.h());
        }
        for (Group g : tenants) {
            Weight gain = ownGain.apply(g);
            if (gain != null) {
                int[] rows = g.rowIndices();
                backend.gatherRows(ws.x(), rows, ws.own());
                backend.rmsNorm(ws.own(), gain, config.rmsNormEps(), rows.length, ws.ownOut());
                backend.scatterRows(ws.ownOut(), rows, ws.h());
            }
        }
    }

    private static List<DeltaSegment> segments(List<Group> tenants, Function<ResidentDelta, DeltaWeight[]> deltas) {
        List<DeltaSegment> segments = new ArrayList<>(tenants.size());
        for (Group g : tenants) {
            DeltaWeight[] d = deltas.apply(g.delta());
            if (Arrays.stream(d).anyMatch(x -> x != null)) {
                segments.add(new DeltaSegment(g.firstRow(), g.rowCount(), d));
            }
        }
        return segments;
    }

    /**
     * Logits of the rows that need them, a group at a time (each with its own final norm and lm_head) and at
     * most a buffer's worth of rows per pass; they come back in chunk order whatever the row layout. A chunk with
     * {@link SequenceChunk#sampling} gets its token from {@link Backend#sample} instead, and its logits stay on the backend.
     */
    private StepLogits logits(List<SequenceChunk> chunks, List<Group> groups, SequenceRows[] rowsOfChunk) {
        int vocab = config.vocabSize();
        int dim = config.hiddenSize();
        int[] chunkStart = new int[chunks.size()];
        int[] chunkRows = new int[chunks.size()];
        int[] logitStart = new int[chunks.size()];
        int[] sampled = new int[chunks.size()];
        Arrays.fill(sampled, -1);
        int at = 0;
        int read = 0;
        for (int c = 0; c < chunks.size(); c++) {
            chunkStart[c] = at;
            chunkRows[c] = chunks.get(c).logitRows();
            at += chunkRows[c];
            boolean onBackend = chunks.get(c).sampling() != null;
            logitStart[c] = onBackend ? -1 : read;
            read += onBackend ? 0 : chunkRows[c];
        }
        float[] values = new float[read * vocab];
        float[] hidden = new float[at * dim];
        int capacity = ws.logits().capacityRows();
        for (Group g : groups) {
            ResidentDelta d = g.delta();
            Weight norm = d != null && d.finalNorm() != null ? d.finalNorm() : finalNorm;
            Weight head = classifier(d);
            // Chunks whose logits come back first, then those the backend samples: a pass reads only its leading rows.
            List<Integer> order = new ArrayList<>(g.chunks().stream().filter(c -> chunks.get(c).sampling() == null).toList());
            order.addAll(g.chunks().stream().filter(c -> chunks.get(c).sampling() != null).toList());
            int count = order.stream().mapToInt(c -> chunkRows[c]).sum();
            int[] picked = new int[count];   // each row's index in the step
            int[] chunkOf = new int[count];
            int[] rowOf = new int[count];    // its row within its chunk's logit rows
            int p = 0;
            for (int c : order) {
                SequenceRows s = rowsOfChunk[c];
                for (int i = 0; i < chunkRows[c]; i++, p++) {
                    picked[p] = s.firstRow() + s.rowCount() - chunkRows[c] + i;
                    chunkOf[p] = c;
                    rowOf[p] = i;
                }
            }
            for (int from = 0; from < count; from += capacity) {
                int n = Math.min(capacity, count - from);
                backend.gatherRows(ws.x(), Arrays.copyOfRange(picked, from, from + n), ws.picked());
                backend.rmsNorm(ws.picked(), norm, config.rmsNormEps(), n, ws.h());
                backend.matmul(head, ws.h(), n, ws.logits());
                float[] states = new float[n * dim];
                backend.read(ws.h(), n, states);
                int back = 0;   // leading rows of this pass whose logits come back
                while (back < n && chunks.get(chunkOf[from + back]).sampling() == null) {
                    back++;
                }
                float[] part = new float[back * vocab];
                if (back > 0) {
                    backend.read(ws.logits(), back, part);
                }
                RowSampling[] sampling = new RowSampling[n];
                for (int i = back; i < n; i++) {
                    sampling[i] = chunks.get(chunkOf[from + i]).sampling();
                }
                int[] tokens = back < n ? backend.sample(ws.logits(), n, sampling) : null;
                for (int i = 0; i < n; i++) {
                    int c = chunkOf[from + i];
                    System.arraycopy(states, i * dim, hidden, (chunkStart[c] + rowOf[from + i]) * dim, dim);
                    if (i < back) {
                        System.arraycopy(part, i * vocab, values, (logitStart[c] + rowOf[from + i]) * vocab, vocab);
                    } else {
                        sampled[c] = tokens[i];
                    }
                }
            }
        }
        return new StepLogits(vocab, values, chunkStart, chunkRows, dim, hidden, logitStart, sampled);
    }

    /** Whether decode rows should be sampled by the backend ({@link SequenceChunk#sampling}) rather than on the host. */
    public boolean samplesOnBackend() {
        return samplesOnBackend;
    }

    /** Chooses where decode rows are sampled; by default where {@link Backend#samplesOnDevice} says (the same tokens either way). */
    public void samplesOnBackend(boolean onBackend) {
        this.samplesOnBackend = onBackend;
    }

    @Override
    public void close() {
        kvCache.close();
    }
}
