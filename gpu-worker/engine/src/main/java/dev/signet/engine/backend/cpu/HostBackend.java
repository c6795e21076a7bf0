package dev.signet.engine.backend.cpu;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.DeltaSegment;
import dev.signet.engine.backend.DeltaWeight;
import dev.signet.engine.backend.KvStorage;
import dev.signet.engine.backend.SignMatrix;
import dev.signet.engine.backend.Weight;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.LittleEndian;
import dev.signet.engine.safetensors.TensorEntry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * What every backend that computes on the host shares: weights read in place from their mapping, heap
 * activations, off-heap KV storage, sign planes read in place, and the ops that are data movement rather than arithmetic (embedding
 * lookup, row gathers, reads, RoPE's table and rotation, residual adds). Subclasses supply the kernels.
 * Constants live until the backend closes; KV storage has its own lifetime.
 */
public abstract class HostBackend implements Backend {
    private final Arena arena = Arena.ofShared();

    @Override
    public Weight weight(TensorEntry t) {
        if (t.rank() < 1 || t.rank() > 2) {
            throw new IllegalArgumentException(t.name() + ": a weight is a matrix or a vector, not " + t.shapeString());
        }
        int rows = t.rank() == 2 ? Math.toIntExact(t.dim(0)) : 1;
        int cols = Math.toIntExact(t.dim(t.rank() - 1));
        return new HostWeight(t.name(), t.dtype(), rows, cols, t.data());
    }

    @Override
    public Weight constant(String name, float[] values) {
        MemorySegment seg = arena.allocate((long) values.length * Float.BYTES, 64);
        MemorySegment.copy(values, 0, seg, LittleEndian.F32, 0, values.length);
        return new HostWeight(name, DType.F32, 1, values.length, seg);
    }

    @Override
    public DeltaWeight delta(SignMatrix matrix) {
        return new HostDeltaWeight(matrix);
    }

    @Override
    public Activations activations(int rows, int cols) {
        return new HostActivations(rows, cols);
    }

    @Override
    public KvStorage kvStorage(int layers, int slots, int kvDim) {
        return new HostKvStorage(layers, slots, kvDim);
    }

    @Override
    public void embed(Weight table, int[] tokens, int rows, Activations out) {
        HostWeight w = (HostWeight) table;
        HostActivations o = (HostActivations) out;
        int dim = w.cols();
        for (int r = 0; r < rows; r++) {
            int token = tokens[r];
            if (token < 0 || token >= w.rows()) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + w.rows());
            }
            long base = (long) token * dim;
            int at = o.offset(r);
            if (w.dtype() == DType.F32) {
                MemorySegment.copy(w.data(), LittleEndian.F32, base * Float.BYTES, o.data(), at, dim);
            } else {
                for (int i = 0; i < dim; i++) {
                    o.data()[at + i] = w.get(base + i);
                }
            }
        }
    }

    @Override
    public void rotaryTable(Weight invFreq, int[] positions, int rows, Activations table) {
        HostWeight f = (HostWeight) invFreq;
        HostActivations t = (HostActivations) table;
        int half = f.cols();
        for (int r = 0; r < rows; r++) {
            int at = t.offset(r);
            for (int i = 0; i < half; i++) {
                float angle = positions[r] * f.get(i);  // float32 product, as torch's inv_freq @ position_ids
                t.data()[at + i] = (float) Math.cos(angle);
                t.data()[at + half + i] = (float) Math.sin(angle);
            }
        }
    }

    @Override
    public void rope(Activations q, Activations k, int headDim, Activations table, int rows) {
        HostActivations t = (HostActivations) table;
        for (HostActivations x : new HostActivations[] {(HostActivations) q, (HostActivations) k}) {
            int half = headDim / 2;
            for (int r = 0; r < rows; r++) {
                int tab = t.offset(r);
                for (int head = x.offset(r), end = head + x.cols(); head < end; head += headDim) {
                    for (int i = 0; i < half; i++) {
                        float cos = t.data()[tab + i];
                        float sin = t.data()[tab + half + i];
                        float a = x.data()[head + i];
                        float b = x.data()[head + half + i];
                        x.data()[head + i] = a * cos - b * sin;
                        x.data()[head + half + i] = b * cos + a * sin;
                    }
                }
            }
        }
    }

    @Override
    public void add(Activations acc, Activations x, int rows) {
        float[] a = ((HostActivations) acc).data();
        float[] b = ((HostActivations) x).data();
        int n = rows * acc.cols();
        for (int i = 0; i < n; i++) {
            a[i] += b[i];
        }
    }

    @Override
    public void gatherRows(Activations src, int[] rowIndices, Activations dst) {
        HostActivations s = (HostActivations) src;
        HostActivations d = (HostActivations) dst;
        for (int i = 0; i < rowIndices.length; i++) {
            System.arraycopy(s.data(), s.offset(rowIndices[i]), d.data(), d.offset(i), s.cols());
        }
    }

    @Override
    public void scatterRows(Activations src, int[] rowIndices, Activations dst) {
        HostActivations s = (HostActivations) src;
        HostActivations d = (HostActivations) dst;
        for (int i = 0; i < rowIndices.length; i++) {
            System.arraycopy(s.data(), s.offset(i), d.data(), d.offset(rowIndices[i]), s.cols());
        }
    }

    @Override
    public void write(float[] src, int rows, Activations dst) {
        System.arraycopy(src, 0, ((HostActivations) dst).data(), 0, rows * dst.cols());
    }

    @Override
    public void read(Activations src, int rows, float[] dst) {
        System.arraycopy(((HostActivations) src).data(), 0, dst, 0, rows * src.cols());
    }

    /**
     * The deltas of one matmul op as host sign matrices, {@code [segments, weights]} (null where a segment's
     * tenant has none for a weight), after checking every segment's rows and every delta's shape against the op.
     */
    protected static HostDeltaWeight[][] checkDeltas(int rows, Weight[] ws, List<DeltaSegment> segments) {
        DeltaSegment.check(rows, ws, segments);
        HostDeltaWeight[][] deltas = new HostDeltaWeight[segments.size()][ws.length];
        for (int s = 0; s < segments.size(); s++) {
            for (int k = 0; k < ws.length; k++) {
                deltas[s][k] = (HostDeltaWeight) segments.get(s).deltas()[k];
            }
        }
        return deltas;
    }

    /** The bias of an {@link #addBias} op as a host weight, after checking it is one row as wide as x. */
    protected static HostWeight checkBias(Activations x, Weight bias, int rows) {
        if (bias.rows() != 1 || bias.cols() != x.cols()) {
            throw new IllegalArgumentException("bias " + bias.name() + " [" + bias.rows() + ", " + bias.cols()
                    + "] does not fit rows of " + x.cols());
        }
        if (rows > x.capacityRows()) {
            throw new IllegalArgumentException(rows + " rows exceed the buffer's " + x.capacityRows());
        }
        return (HostWeight) bias;
    }

    /** Copies each row's key and value into its KV slot: the first half of every attention op. */
    protected static void writeKv(HostKvStorage kv, int layer, HostActivations k, HostActivations v, int[] slots, int rows) {
        int kvDim = kv.kvDim();
        for (int r = 0; r < rows; r++) {
            long at = (long) slots[r] * kvDim * Float.BYTES;
            MemorySegment.copy(k.data(), k.offset(r), kv.keys(layer), ValueLayout.JAVA_FLOAT, at, kvDim);
            MemorySegment.copy(v.data(), v.offset(r), kv.values(layer), ValueLayout.JAVA_FLOAT, at, kvDim);
        }
    }

    @Override
    public void copyKv(KvStorage storage, int[] from, int[] to) {
        HostKvStorage kv = (HostKvStorage) storage;
        long rowBytes = (long) kv.kvDim() * Float.BYTES;
        for (int layer = 0; layer < kv.layers(); layer++) {
            for (int i = 0; i < from.length; i++) {
                MemorySegment.copy(kv.keys(layer), from[i] * rowBytes, kv.keys(layer), to[i] * rowBytes, rowBytes);
                MemorySegment.copy(kv.values(layer), from[i] * rowBytes, kv.values(layer), to[i] * rowBytes, rowBytes);
            }
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
