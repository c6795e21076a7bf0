package dev.signet.engine.backend.cpu;

import static dev.signet.engine.backend.cpu.WeightVectors.F;
import static dev.signet.engine.backend.cpu.WeightVectors.L;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.BatchLayout;
import dev.signet.engine.backend.KvStorage;
import dev.signet.engine.backend.SequenceRows;
import dev.signet.engine.backend.Weight;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The fast CPU backend: Vector API kernels on a dedicated pool of one thread per core, weights read in
 * place from their memory mapping. Matmuls split output features across threads, attention splits
 * (row, head) pairs.
 */
public final class VectorCpuBackend extends HostBackend {
    private final CpuThreadPool pool;
    /** Per-thread score buffer for attention, grown to the longest context seen. */
    private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[256]);

    public VectorCpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public VectorCpuBackend(int threads) {
        this.pool = new CpuThreadPool(threads);
    }

    @Override
    public String name() {
        return "cpu";
    }

    public int threads() {
        return pool.threads();
    }

    @Override
    public void matmul(Weight w, Activations x, int rows, Activations out) {
        VectorMatmul.run(pool, (HostWeight) w, (HostActivations) x, rows, (HostActivations) out);
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
            float sumSq = acc.reduceLanes(VectorOperators.ADD);
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
            FloatVector silu = x.div(x.neg().lanewise(VectorOperators.EXP).add(1f));
            silu.mul(FloatVector.fromArray(F, u, i)).intoArray(g, i);
        }
        for (int i = bound; i < n; i++) {
            g[i] = (float) (g[i] / (1 + Math.exp(-g[i])) * u[i]);
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
        HostActivations qa = (HostActivations) q;
        HostActivations o = (HostActivations) out;
        int group = heads / kvHeads;
        pool.parallelFor(layout.rows() * heads, 1, (start, end) -> {
            for (int task = start; task < end; task++) {
                int r = task / heads;
                int h = task % heads;
                attendOne(kv, layer, qa, r, h, (h / group) * headDim, headDim, layout.positions()[r] + 1,
                        rowSequence[r].blockTable(), layout.blockSize(), o);
            }
        });
    }

    /** One row's one head: scores over the sequence's visible positions, softmax, weighted sum of values. */
    private void attendOne(HostKvStorage kv, int layer, HostActivations q, int r, int h, int kvOffset, int headDim,
                           int visible, int[] blockTable, int blockSize, HostActivations out) {
        float[] s = scores.get();
        if (s.length < visible) {
            s = new float[Math.max(visible, 2 * s.length)];
            scores.set(s);
        }
        MemorySegment keys = kv.keys(layer);
        MemorySegment values = kv.values(layer);
        float[] qd = q.data();
        int qo = q.offset(r) + h * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < visible; t++) {
            long base = kvByteOffset(kv, blockTable, blockSize, t, kvOffset);
            s[t] = dot(qd, qo, keys, base, headDim) * scale;
            max = Math.max(max, s[t]);
        }
        float total = 0;
        for (int t = 0; t < visible; t++) {
            s[t] = (float) Math.exp(s[t] - max);
            total += s[t];
        }
        float norm = 1f / total;
        float[] od = out.data();
        int oo = out.offset(r) + h * headDim;
        Arrays.fill(od, oo, oo + headDim, 0f);
        int bound = F.loopBound(headDim);
        for (int t = 0; t < visible; t++) {
            long base = kvByteOffset(kv, blockTable, blockSize, t, kvOffset);
            float p = s[t] * norm;
            FloatVector pv = FloatVector.broadcast(F, p);
            for (int d = 0; d < bound; d += L) {
                FloatVector acc = FloatVector.fromArray(F, od, oo + d);
                FloatVector.fromMemorySegment(F, values, base + (long) d * Float.BYTES, ByteOrder.nativeOrder())
                        .fma(pv, acc).intoArray(od, oo + d);
            }
            for (int d = bound; d < headDim; d++) {
                od[oo + d] += p * values.get(ValueLayout.JAVA_FLOAT, base + (long) d * Float.BYTES);
            }
        }
    }

    private static long kvByteOffset(HostKvStorage kv, int[] blockTable, int blockSize, int position, int kvOffset) {
        long slot = (long) blockTable[position / blockSize] * blockSize + position % blockSize;
        return (slot * kv.kvDim() + kvOffset) * Float.BYTES;
    }

    private static float dot(float[] q, int qo, MemorySegment keys, long base, int headDim) {
        int bound = F.loopBound(headDim);
        FloatVector acc = FloatVector.zero(F);
        for (int d = 0; d < bound; d += L) {
            acc = FloatVector.fromArray(F, q, qo + d)
                    .fma(FloatVector.fromMemorySegment(F, keys, base + (long) d * Float.BYTES, ByteOrder.nativeOrder()), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
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
