package dev.signet.engine.model;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.BatchLayout;
import dev.signet.engine.backend.SequenceRows;
import dev.signet.engine.backend.Weight;
import dev.signet.engine.kv.KvCachePool;
import dev.signet.engine.kv.KvSequence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A Llama checkpoint resident on a backend, and its forward pass. One {@link #forward} step runs rows of
 * many sequences together, each continuing from its own cached length (prefill chunks and decode tokens
 * mixed); the pass is written once here in terms of {@link Backend} ops, in the order of Hugging Face's
 * {@code LlamaForCausalLM}. Not thread-safe: the thread that owns the backend calls it. Closing it frees its
 * KV cache; the weights belong to the checkpoint and the backend.
 */
public final class LlamaModel implements AutoCloseable {
    private final LlamaConfig config;
    private final Backend backend;
    private final ModelOptions options;
    private final KvCachePool kvCache;
    private final Weight embedding;
    private final List<ResidentLayer> layers;
    private final Weight finalNorm;
    private final Weight lmHead;
    private final Weight invFreq;
    private final Workspace ws;
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
            Activations picked,  // [logitRows, dim] rows that need logits
            Activations logits,  // [logitRows, vocab]
            Activations[] qkv,   // {q, k, v}: outputs of one grouped projection
            Activations[] gateUp) {
        Workspace(Activations x, Activations h, Activations q, Activations k, Activations v, Activations attn,
                  Activations gate, Activations up, Activations rotary, Activations picked, Activations logits) {
            this(x, h, q, k, v, attn, gate, up, rotary, picked, logits, new Activations[] {q, k, v},
                    new Activations[] {gate, up});
        }
    }

    public LlamaModel(LlamaConfig config, LlamaWeights w, Backend backend, ModelOptions options) {
        this.config = config;
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
                backend.activations(logitRows, config.hiddenSize()),
                backend.activations(logitRows, config.vocabSize()));
        this.kvCache = new KvCachePool(backend, config.numLayers(), config.kvDim(), options.kvBlocks(), options.blockSize());
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

    public KvCachePool kvCache() {
        return kvCache;
    }

    /**
     * Runs one step: every chunk's tokens continue its sequence (their keys and values are cached), and the
     * logits of each chunk's last row, or all its rows, come back. The KV blocks the chunks need must be
     * free; a step that is malformed or does not fit fails before computing anything and changes no sequence.
     * If the computation itself fails, sequence lengths are unchanged but blocks reserved for the step stay
     * with their sequences until released.
     */
    public StepLogits forward(List<SequenceChunk> chunks) {
        validate(chunks);
        reserveKv(chunks);
        List<SequenceRows> seqRows = new ArrayList<>(chunks.size());
        int[][] tokens = new int[chunks.size()][];
        int row = 0;
        for (int c = 0; c < chunks.size(); c++) {
            SequenceChunk chunk = chunks.get(c);
            seqRows.add(new SequenceRows(row, chunk.tokens().length, chunk.sequence().length(), chunk.sequence().blockTable()));
            tokens[c] = chunk.tokens();
            row += chunk.tokens().length;
        }
        BatchLayout layout = BatchLayout.of(options.blockSize(), seqRows, tokens);

        runLayers(layout);

        for (SequenceChunk chunk : chunks) {
            kvCache.advance(chunk.sequence(), chunk.sequence().length() + chunk.tokens().length);
        }
        return logits(chunks, seqRows);
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

    private void runLayers(BatchLayout layout) {
        int n = layout.rows();
        float eps = config.rmsNormEps();
        backend.embed(embedding, layout.tokens(), n, ws.x());
        backend.rotaryTable(invFreq, layout.positions(), n, ws.rotary());
        for (int l = 0; l < layers.size(); l++) {
            ResidentLayer w = layers.get(l);
            backend.rmsNorm(ws.x(), w.attnNorm(), eps, n, ws.h());
            backend.matmul(ws.h(), n, w.qkv(), ws.qkv());
            backend.rope(ws.q(), ws.k(), config.headDim(), ws.rotary(), n);
            backend.attention(kvCache.storage(), l, ws.q(), ws.k(), ws.v(), config.numHeads(), config.numKvHeads(),
                    config.headDim(), layout, ws.attn());
            backend.matmul(w.wo(), ws.attn(), n, ws.h());
            backend.add(ws.x(), ws.h(), n);

            backend.rmsNorm(ws.x(), w.ffnNorm(), eps, n, ws.h());
            backend.matmul(ws.h(), n, w.gateUp(), ws.gateUp());
            backend.swiglu(ws.gate(), ws.up(), n);
            backend.matmul(w.down(), ws.gate(), n, ws.h());
            backend.add(ws.x(), ws.h(), n);
        }
    }

    private StepLogits logits(List<SequenceChunk> chunks, List<SequenceRows> seqRows) {
        int total = chunks.stream().mapToInt(SequenceChunk::logitRows).sum();
        int[] picked = new int[total];
        int[] chunkStart = new int[chunks.size()];
        int[] chunkRows = new int[chunks.size()];
        int at = 0;
        for (int c = 0; c < chunks.size(); c++) {
            SequenceRows s = seqRows.get(c);
            int count = chunks.get(c).logitRows();
            chunkStart[c] = at;
            chunkRows[c] = count;
            for (int i = s.rowCount() - count; i < s.rowCount(); i++) {
                picked[at++] = s.firstRow() + i;
            }
        }
        int vocab = config.vocabSize();
        float[] values = new float[total * vocab];
        int capacity = ws.logits().capacityRows();
        for (int from = 0; from < total; from += capacity) {
            int n = Math.min(capacity, total - from);
            backend.gatherRows(ws.x(), Arrays.copyOfRange(picked, from, from + n), ws.picked());
            backend.rmsNorm(ws.picked(), finalNorm, config.rmsNormEps(), n, ws.h());
            backend.matmul(lmHead, ws.h(), n, ws.logits());
            if (from == 0 && n == total) {
                backend.read(ws.logits(), n, values);
            } else {
                float[] part = new float[n * vocab];
                backend.read(ws.logits(), n, part);
                System.arraycopy(part, 0, values, from * vocab, part.length);
            }
        }
        return new StepLogits(config.vocabSize(), values, chunkStart, chunkRows);
    }

    @Override
    public void close() {
        kvCache.close();
    }
}
