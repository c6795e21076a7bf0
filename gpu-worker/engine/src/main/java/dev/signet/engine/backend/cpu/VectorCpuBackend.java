package dev.signet.engine.backend.cpu;

import static dev.signet.engine.backend.cpu.WeightVectors.F;
import static dev.signet.engine.backend.cpu.WeightVectors.L;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.BatchLayout;
import dev.signet.engine.backend.DeltaSegment;
import dev.signet.engine.backend.KvStorage;
import dev.signet.engine.backend.SequenceRows;
import dev.signet.engine.backend.Weight;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import jdk.incubator.vector.FloatVector;

/**
 * The fast CPU backend: Vector API kernels on a dedicated pool of one thread per core, weights read in
 * place from their memory mapping. Matmuls split output features across threads, attention splits
 * (row, head) pairs.
 */
public final class VectorCpuBackend extends HostBackend {
    private final CpuThreadPool pool;
    private final VectorMatmul matmul;
    private final SignMatmul signs;
    /** Per-thread score buffer for attention, grown to the longest context seen. */
    private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[256]);

    public VectorCpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public VectorCpuBackend(int threads) {
        this.pool = new CpuThreadPool(threads);
        this.matmul = new VectorMatmul(pool);
        this.signs = new SignMatmul(pool);
    }

    @Override
    public String name() {
        return "cpu";
    }

    public int threads() {
        return pool.threads();
    }

    /** The base product over all rows, then every segment's sign planes added in one more parallel pass. */
    @Override
    public void matmul(Activations x, int rows, Weight[] ws, Activations[] outs, List<DeltaSegment> segments) {
        HostDeltaWeight[][] deltas = checkDeltas(rows, ws, segments);
        HostWeight[] weights = new HostWeight[ws.length];
        HostActivations[] outputs = new HostActivations[ws.length];
        for (int k = 0; k < ws.length; k++) {
            weights[k] = (HostWeight) ws[k];
            outputs[k] = (HostActivations) outs[k];
        }
        matmul.run((HostActivations) x, rows, weights, outputs);
        if (!segments.isEmpty()) {
            signs.run((HostActivations) x, segments, deltas, outputs);
        }
    }

    @Override
    public void rmsNorm(Activations x, Weight gain, float eps, int rows, Activations out) {
        HostActivations in = (HostActivations) x;
        HostActivations o = (HostActivations) out;
        HostWeight g = (HostWeight) gain;
        int dim = in.cols();
        int kind = WeightVectors.kind(g.dtype());
        int bound = F.loopBound(dim);
        long es = g.dtype().byteSize();
        for (int r = 0; r < rows; r++) {
            int at = in.offset(r);
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(F, in.data(), at + i);
                acc = v.fma(v, acc);
            }
            float sumSq = VectorMath.sum(acc);
            for (int i = bound; i < dim; i++) {
                sumSq += in.data()[at + i] * in.data()[at + i];
            }
            float inv = (float) (1.0 / Math.sqrt(sumSq / dim + eps));
            int to = o.offset(r);
            for (int i = 0; i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(F, in.data(), at + i).mul(inv);
                WeightVectors.load(g.data(), i * es, kind).mul(v).intoArray(o.data(), to + i);
            }
            for (int i = bound; i < dim; i++) {
                o.data()[to + i] = g.get(i) * (in.data()[at + i] * inv);
            }
        }
    }

    @Override
    public void swiglu(Activations gate, Activations up, int rows) {
        float[] g = ((HostActivations) gate).data();
        float[] u = ((HostActivations) up).data();
        int n = rows * gate.cols();
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(F, g, i);
            FloatVector silu = x.div(VectorMath.exp(x.neg()).add(1f));
            silu.mul(FloatVector.fromArray(F, u, i)).intoArray(g, i);
        }
        for (int i = bound; i < n; i++) {
            g[i] = g[i] / (VectorMath.exp(-g[i]) + 1f) * u[i];
        }
    }

    @Override
    public void addBias(Activations x, Weight bias, int rows) {
        HostActivations a = (HostActivations) x;
        HostWeight b = checkBias(x, bias, rows);
        int n = a.cols();
        int kind = WeightVectors.kind(b.dtype());
        int bound = F.loopBound(n);
        long es = b.dtype().byteSize();
        for (int r = 0; r < rows; r++) {
            int at = a.offset(r);
            for (int i = 0; i < bound; i += L) {
                FloatVector.fromArray(F, a.data(), at + i).add(WeightVectors.load(b.data(), i * es, kind))
                        .intoArray(a.data(), at + i);
            }
            for (int i = bound; i < n; i++) {
                a.data()[at + i] += b.get(i);
            }
        }
    }

    @Override
    public void silu(Activations x, int rows) {
        float[] a = ((HostActivations) x).data();
        int n = rows * x.cols();
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, a, i);
            v.div(VectorMath.exp(v.neg()).add(1f)).intoArray(a, i);
        }
        for (int i = bound; i < n; i++) {
            a[i] = a[i] / (VectorMath.exp(-a[i]) + 1f);
        }
    }

    @Override
    public void attention(KvStorage storage, int layer, Activations q, Activations k, Activations v, int heads,
                          int kvHeads, int headDim, BatchLayout layout, Activations out) {
        HostKvStorage kv = (HostKvStorage) storage;
        writeKv(kv, layer, (HostActivations) k, (HostActivations) v, layout.slots(), layout.rows());
        SequenceRows[] rowSequence = new SequenceRows[layout.rows()];
        for (SequenceRows seq : layout.sequences()) {
            for (int i = 0; i < seq.rowCount(); i++) {
                rowSequence[seq.firstRow() + i] = seq;
            }
        }
        // A task is one row and a contiguous range of KV heads; rows are split into head ranges only
        // when there are fewer rows than threads (a single decode stream still uses every core).
        int rows = layout.rows();
        int chunksPerRow = Math.min(kvHeads, (pool.threads() + rows - 1) / rows);
        int headsPerChunk = (kvHeads + chunksPerRow - 1) / chunksPerRow;
        AttentionShape shape = new AttentionShape(heads / kvHeads, headDim, layout.blockSize());
        HostActivations qa = (HostActivations) q;
        HostActivations o = (HostActivations) out;
        long work = 0;   // multiply-adds: every row's query heads against its visible keys and values
        for (SequenceRows seq : layout.sequences()) {
            work += (long) seq.rowCount() * (seq.startPosition() + seq.rowCount()) * heads * headDim * 2;
        }
        CpuThreadPool.RangeBody tasks = (start, end) -> {
            for (int task = start; task < end; task++) {
                // Rows zigzag (first, last, second, ...): a prefill's later rows attend to more positions,
                // and each thread's contiguous share of tasks should hold short and long rows alike.
                int order = task / chunksPerRow;
                int r = order % 2 == 0 ? order / 2 : rows - 1 - order / 2;
                int g0 = (task % chunksPerRow) * headsPerChunk;
                int g1 = Math.min(kvHeads, g0 + headsPerChunk);
                if (g0 < g1) {
                    attendRow(kv, layer, qa, r, g0, g1, shape, rowSequence[r], o);
                }
            }
        };
        if (work < VectorMatmul.PARALLEL_WORK) {
            tasks.run(0, rows * chunksPerRow);
        } else {
            pool.parallelFor(rows * chunksPerRow, 1, tasks);
        }
    }

    /** Per-call constants of an attention op: query heads per KV head, head size, KV block size. */
    private record AttentionShape(int group, int headDim, int blockSize) {}

    /**
     * Row r's query heads served by KV heads {@code [g0, g1)}: scores over the sequence's visible positions,
     * softmax per head, weighted sum of values. Positions are the outer loop, so each cached K and V row is
     * read once, contiguously, for all of the range's heads; the block table is walked block by block.
     */
    private void attendRow(HostKvStorage kv, int layer, HostActivations q, int r, int g0, int g1, AttentionShape shape,
                           SequenceRows seq, HostActivations out) {
        int row = r - seq.firstRow();
        int visible = seq.keyCount(row);
        int[] blockTable = seq.blockTable();
        int headDim = shape.headDim();
        int group = shape.group();
        int h0 = g0 * group;
        int qHeads = (g1 - g0) * group;
        float[] s = scores.get();
        if (s.length < qHeads * visible) {
            s = new float[Math.max(qHeads * visible, 2 * s.length)];
            scores.set(s);
        }
        MemorySegment keys = kv.keys(layer);
        MemorySegment values = kv.values(layer);
        int kvDim = kv.kvDim();
        int blockSize = shape.blockSize();
        float[] qd = q.data();
        int qo = q.offset(r) + h0 * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int t = 0, b = 0; t < visible; b++) {
            long rowBase = (long) blockTable[b] * blockSize * kvDim * Float.BYTES;
            for (int end = Math.min(visible, t + blockSize); t < end; t++, rowBase += (long) kvDim * Float.BYTES) {
                for (int i = 0; i < qHeads; i++) {
                    long kBase = rowBase + (long) (g0 + i / group) * headDim * Float.BYTES;
                    s[i * visible + t] = dot(qd, qo + i * headDim, keys, kBase, headDim) * scale;
                }
            }
        }
        if (seq.isTree()) {
            // A tree row sees its ancestors only: its siblings' and cousins' keys weigh nothing.
            for (int j = 0; j < row; j++) {
                if (seq.hides(row, j)) {
                    for (int i = 0; i < qHeads; i++) {
                        s[i * visible + seq.startPosition() + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
        }
        float[] norm = new float[qHeads];
        for (int i = 0; i < qHeads; i++) {
            norm[i] = 1f / softmaxNumerators(s, i * visible, visible);
        }
        float[] od = out.data();
        int oo = out.offset(r) + h0 * headDim;
        Arrays.fill(od, oo, oo + qHeads * headDim, 0f);
        int bound = F.loopBound(headDim);
        for (int t = 0, b = 0; t < visible; b++) {
            long rowBase = (long) blockTable[b] * blockSize * kvDim * Float.BYTES;
            for (int end = Math.min(visible, t + blockSize); t < end; t++, rowBase += (long) kvDim * Float.BYTES) {
                for (int i = 0; i < qHeads; i++) {
                    long vBase = rowBase + (long) (g0 + i / group) * headDim * Float.BYTES;
                    float p = s[i * visible + t] * norm[i];
                    FloatVector pv = FloatVector.broadcast(F, p);
                    int at = oo + i * headDim;
                    for (int d = 0; d < bound; d += L) {
                        FloatVector.fromMemorySegment(F, values, vBase + (long) d * Float.BYTES, ByteOrder.nativeOrder())
                                .fma(pv, FloatVector.fromArray(F, od, at + d)).intoArray(od, at + d);
                    }
                    for (int d = bound; d < headDim; d++) {
                        od[at + d] += p * values.get(ValueLayout.JAVA_FLOAT, vBase + (long) d * Float.BYTES);
                    }
                }
            }
        }
    }

    /** exp(s - max(s)) in place over {@code s[from, from + n)}; returns their sum. */
    private static float softmaxNumerators(float[] s, int from, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int t = from; t < from + n; t++) {
            max = Math.max(max, s[t]);
        }
        int bound = from + F.loopBound(n);
        FloatVector sum = FloatVector.zero(F);
        for (int t = from; t < bound; t += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, s, t).sub(max));
            e.intoArray(s, t);
            sum = sum.add(e);
        }
        float total = VectorMath.sum(sum);
        for (int t = bound; t < from + n; t++) {
            s[t] = VectorMath.exp(s[t] - max);
            total += s[t];
        }
        return total;
    }

    private static float dot(float[] q, int qo, MemorySegment keys, long base, int headDim) {
        int bound = F.loopBound(headDim);
        FloatVector acc = FloatVector.zero(F);
        for (int d = 0; d < bound; d += L) {
            acc = FloatVector.fromArray(F, q, qo + d)
                    .fma(FloatVector.fromMemorySegment(F, keys, base + (long) d * Float.BYTES, ByteOrder.nativeOrder()), acc);
        }
        float sum = VectorMath.sum(acc);
        for (int d = bound; d < headDim; d++) {
            sum += q[qo + d] * keys.get(ValueLayout.JAVA_FLOAT, base + (long) d * Float.BYTES);
        }
        return sum;
    }

    @Override
    public void close() {
        pool.close();
        super.close();
    }
}
