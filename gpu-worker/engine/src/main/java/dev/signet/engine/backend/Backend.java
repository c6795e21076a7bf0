package dev.signet.engine.backend;

import dev.signet.engine.safetensors.TensorEntry;
import dev.signet.engine.sampling.RowSampling;
import java.util.List;

/**
 * The operations a Llama forward pass is made of, on buffers the backend owns. One forward pass
 * ({@link dev.signet.engine.model.LlamaModel}) composes them; each backend (plain-Java reference, Vector API
 * CPU, CUDA) implements them and is checked against the reference on random inputs. A step's batch holds
 * rows of many sequences at different positions; every op works on the leading {@code rows} rows of its
 * buffers. A backend is used by one thread at a time (its owner); the ops are synchronous from that
 * thread's point of view.
 */
public interface Backend extends AutoCloseable {

    String name();

    /** Makes a checkpoint tensor (a matrix, or a vector seen as one row) readable by the ops. */
    Weight weight(TensorEntry tensor);

    /** A constant table computed on the host, e.g. RoPE's inverse frequencies, as a {@code [1, n]} weight. */
    Weight constant(String name, float[] values);

    /** Makes a tenant's packed sign planes readable by {@link #matmul(Activations, int, Weight[], Activations[], List)}. */
    DeltaWeight delta(SignMatrix matrix);

    Activations activations(int rows, int cols);

    KvStorage kvStorage(int layers, int slots, int kvDim);

    /** {@code out[r] = table[tokens[r]]}. table: [vocab, dim] → out: [rows, dim] */
    void embed(Weight table, int[] tokens, int rows, Activations out);

    /** {@code out[r] = gain ⊙ x[r] / sqrt(mean(x[r]²) + eps)}, in float32 as transformers' LlamaRMSNorm. */
    void rmsNorm(Activations x, Weight gain, float eps, int rows, Activations out);

    /** {@code out[r] = W · x[r]}. W: [outDim, inDim], x: [rows, inDim] → out: [rows, outDim] */
    default void matmul(Weight w, Activations x, int rows, Activations out) {
        matmul(x, rows, new Weight[] {w}, new Activations[] {out});
    }

    /**
     * {@code outs[k][r] = ws[k] · x[r]} for every k: several projections of the same input in one pass (Q, K
     * and V; gate and up), so the input is prepared once and the work is shared out over all their outputs.
     */
    default void matmul(Activations x, int rows, Weight[] ws, Activations[] outs) {
        matmul(x, rows, ws, outs, List.of());
    }

    /**
     * BitDelta serving: {@code outs[k][r] = ws[k] · x[r] + Σ_p scales_p ⊙ (S_p · x[r])} for the rows of each
     * segment whose tenant has a delta for {@code ws[k]}, plain {@code ws[k] · x[r]} for every other row. Each
     * base weight and each segment's sign bits are read once; segments do not overlap.
     */
    void matmul(Activations x, int rows, Weight[] ws, Activations[] outs, List<DeltaSegment> segments);

    /**
     * Computes RoPE's rotation for each row's position once per step: {@code table[r] = [cos(positions[r]·invFreq),
     * sin(positions[r]·invFreq)]}, the angle in float32 as transformers computes it. invFreq: [1, headDim/2] → table: [rows, headDim]
     */
    void rotaryTable(Weight invFreq, int[] positions, int rows, Activations table);

    /**
     * Rotates every head of q and k in place, rotate-half style (pair i, i + headDim/2), with the rows' angles.
     * q: [rows, heads·headDim], k: [rows, kvHeads·headDim], table: [rows, headDim]
     */
    void rope(Activations q, Activations k, int headDim, Activations table, int rows);

    /**
     * Writes the batch's keys and values into their KV slots for {@code layer}, then computes causal grouped-query
     * attention for every row over its own sequence's cached positions: {@code out = softmax(q·Kᵀ / sqrt(headDim)) · V}.
     * q: [rows, heads·headDim], k, v: [rows, kvHeads·headDim] → out: [rows, heads·headDim]
     */
    void attention(KvStorage kv, int layer, Activations q, Activations k, Activations v, int heads, int kvHeads,
                   int headDim, BatchLayout layout, Activations out);

    /** {@code gate[r] = silu(gate[r]) ⊙ up[r]}: SwiGLU, in place. gate, up: [rows, hidden] */
    void swiglu(Activations gate, Activations up, int rows);

    /** {@code acc[r] += x[r]}: the residual connection. */
    void add(Activations acc, Activations x, int rows);

    /**
     * {@code acc[r] += x[r]}, then {@code out[r] = rmsNorm(acc[r])}: a residual connection and the norm that reads
     * it, one op where a backend fuses them (a GPU saves a launch and a pass over acc). out may be x.
     */
    default void addRmsNorm(Activations acc, Activations x, Weight gain, float eps, int rows, Activations out) {
        add(acc, x, rows);
        rmsNorm(acc, gain, eps, rows, out);
    }

    /** {@code x[r] += bias} in place, for every row: a linear layer's bias. x: [rows, n], bias: [1, n] */
    void addBias(Activations x, Weight bias, int rows);

    /** {@code x[r] = x[r] · sigmoid(x[r])} in place, elementwise: SiLU, as in Medusa's ResBlock. x: [rows, n] */
    void silu(Activations x, int rows);

    /** {@code dst[i] = src[rowIndices[i]]}: picks the rows that need logits. */
    void gatherRows(Activations src, int[] rowIndices, Activations dst);

    /** Copies every layer's key and value from slot {@code from[i]} to slot {@code to[i]}, in order (a tree's accepted path). */
    void copyKv(KvStorage kv, int[] from, int[] to);

    /** {@code dst[rowIndices[i]] = src[i]}: puts back rows computed apart (a tenant's own norm or embedding). */
    void scatterRows(Activations src, int[] rowIndices, Activations dst);

    /** Copies {@code rows} rows from the host into the leading rows of {@code dst}: src holds rows × cols floats, row-major. */
    void write(float[] src, int rows, Activations dst);

    /** Copies the leading {@code rows} rows to the host: dst gets rows × cols floats, row-major. */
    void read(Activations src, int rows, float[] dst);

    /**
     * One token per leading row of {@code logits} ({@code [rows, vocab]}): row r's is what {@code params[r]} picks
     * ({@link RowSampling#pick}, the host sampler's choice for the same draw); a null entry skips its row (-1). This
     * default reads the rows back and picks on the host; a device backend picks where the logits are and copies back
     * only the ids. A row of NaN or infinite logits fails with {@link IllegalStateException}.
     */
    default int[] sample(Activations logits, int rows, RowSampling[] params) {
        if (params.length != rows) {
            throw new IllegalArgumentException("sampling " + rows + " rows needs as many parameters, got " + params.length);
        }
        int vocab = logits.cols();
        float[] values = new float[rows * vocab];
        read(logits, rows, values);
        int[] tokens = new int[rows];
        for (int r = 0; r < rows; r++) {
            tokens[r] = params[r] == null ? -1 : params[r].pick(values, r * vocab, vocab);
        }
        return tokens;
    }

    /** Whether {@link #sample} saves copying logits back, so the decode path should sample here rather than on the host. */
    default boolean samplesOnDevice() {
        return false;
    }

    @Override
    void close();
}
