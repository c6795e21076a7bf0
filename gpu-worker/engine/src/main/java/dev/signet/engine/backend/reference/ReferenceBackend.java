package dev.signet.engine.backend.reference;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.BatchLayout;
import dev.signet.engine.backend.DeltaSegment;
import dev.signet.engine.backend.KvStorage;
import dev.signet.engine.backend.SequenceRows;
import dev.signet.engine.backend.SignPlane;
import dev.signet.engine.backend.Weight;
import dev.signet.engine.backend.cpu.HostActivations;
import dev.signet.engine.backend.cpu.HostBackend;
import dev.signet.engine.backend.cpu.HostDeltaWeight;
import dev.signet.engine.backend.cpu.HostKvStorage;
import dev.signet.engine.backend.cpu.HostWeight;
import dev.signet.engine.safetensors.LittleEndian;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * The oracle: every kernel as the plainest loop that states the math, one thread, sums in double. Slow on
 * purpose; tests compare every other backend against it.
 */
public final class ReferenceBackend extends HostBackend {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public void rmsNorm(Activations x, Weight gain, float eps, int rows, Activations out) {
        HostActivations in = (HostActivations) x;
        HostActivations o = (HostActivations) out;
        HostWeight g = (HostWeight) gain;
        int dim = in.cols();
        for (int r = 0; r < rows; r++) {
            double sumSq = 0;
            for (int i = 0; i < dim; i++) {
                double v = in.data()[r * dim + i];
                sumSq += v * v;
            }
            double inv = 1.0 / Math.sqrt(sumSq / dim + eps);
            for (int i = 0; i < dim; i++) {
                o.data()[r * dim + i] = (float) (g.get(i) * (in.data()[r * dim + i] * inv));
            }
        }
    }

    /** Base product and every plane's signed sum for each (row, output), all in double; one rounding at the end. */
    @Override
    public void matmul(Activations x, int rows, Weight[] ws, Activations[] outs, List<DeltaSegment> segments) {
        HostActivations in = (HostActivations) x;
        HostDeltaWeight[][] deltas = checkDeltas(rows, ws, segments);
        for (int k = 0; k < ws.length; k++) {
            HostWeight w = (HostWeight) ws[k];
            HostActivations o = (HostActivations) outs[k];
            int n = w.cols();
            int m = w.rows();
            HostDeltaWeight[] rowDelta = new HostDeltaWeight[rows];  // [rows], null: the base alone
            for (int s = 0; s < segments.size(); s++) {
                DeltaSegment seg = segments.get(s);
                Arrays.fill(rowDelta, seg.firstRow(), seg.firstRow() + seg.rowCount(), deltas[s][k]);
            }
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < m; j++) {
                    double sum = 0;
                    long row = (long) j * n;
                    for (int i = 0; i < n; i++) {
                        sum += (double) w.get(row + i) * in.data()[r * n + i];
                    }
                    if (rowDelta[r] != null) {
                        for (SignPlane p : rowDelta[r].matrix().planes()) {
                            sum += p.scales()[j] * signedSum(p, n, j, in.data(), r * n);
                        }
                    }
                    o.data()[r * m + j] = (float) sum;
                }
            }
        }
    }

    /** {@code S[j] · x}: +x[i] where bit i of row j is set, −x[i] where it is clear. */
    private static double signedSum(SignPlane p, int n, int j, float[] x, int xo) {
        long rowWord = (long) j * SignPlane.wordsPerRow(n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int word = p.words().getAtIndex(LittleEndian.U32, rowWord + i / 32);
            sum += ((word >>> (i % 32)) & 1) == 1 ? x[xo + i] : -x[xo + i];
        }
        return sum;
    }

    @Override
    public void attention(KvStorage storage, int layer, Activations q, Activations k, Activations v, int heads,
                          int kvHeads, int headDim, BatchLayout layout, Activations out) {
        HostKvStorage kv = (HostKvStorage) storage;
        HostActivations qa = (HostActivations) q;
        HostActivations o = (HostActivations) out;
        writeKv(kv, layer, (HostActivations) k, (HostActivations) v, layout.slots(), layout.rows());
        int group = heads / kvHeads;
        double scale = 1.0 / Math.sqrt(headDim);
        for (SequenceRows seq : layout.sequences()) {
            for (int i = 0; i < seq.rowCount(); i++) {
                int r = seq.firstRow() + i;
                int visible = seq.keyCount(i);
                for (int h = 0; h < heads; h++) {
                    int kvOffset = (h / group) * headDim;
                    double[] scores = new double[visible];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int t = 0; t < visible; t++) {
                        long slot = slot(seq, layout.blockSize(), t);
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += (double) qa.data()[r * qa.cols() + h * headDim + d] * kvAt(kv, layer, true, slot, kvOffset + d);
                        }
                        int chunkRow = t - seq.startPosition();
                        scores[t] = chunkRow >= 0 && seq.hides(i, chunkRow) ? Double.NEGATIVE_INFINITY : dot * scale;
                        max = Math.max(max, scores[t]);
                    }
                    double total = 0;
                    for (int t = 0; t < visible; t++) {
                        scores[t] = Math.exp(scores[t] - max);
                        total += scores[t];
                    }
                    for (int d = 0; d < headDim; d++) {
                        double acc = 0;
                        for (int t = 0; t < visible; t++) {
                            acc += scores[t] * kvAt(kv, layer, false, slot(seq, layout.blockSize(), t), kvOffset + d);
                        }
                        o.data()[r * o.cols() + h * headDim + d] = (float) (acc / total);
                    }
                }
            }
        }
    }

    private static long slot(SequenceRows seq, int blockSize, int position) {
        return (long) seq.blockTable()[position / blockSize] * blockSize + position % blockSize;
    }

    private static float kvAt(HostKvStorage kv, int layer, boolean key, long slot, int index) {
        var seg = key ? kv.keys(layer) : kv.values(layer);
        return seg.getAtIndex(ValueLayout.JAVA_FLOAT, slot * kv.kvDim() + index);
    }

    @Override
    public void addBias(Activations x, Weight bias, int rows) {
        HostActivations a = (HostActivations) x;
        HostWeight b = checkBias(x, bias, rows);
        int n = a.cols();
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < n; i++) {
                a.data()[r * n + i] = (float) ((double) a.data()[r * n + i] + b.get(i));
            }
        }
    }

    @Override
    public void silu(Activations x, int rows) {
        float[] a = ((HostActivations) x).data();
        int n = rows * x.cols();
        for (int i = 0; i < n; i++) {
            double v = a[i];
            a[i] = (float) (v / (1 + Math.exp(-v)));
        }
    }

    @Override
    public void swiglu(Activations gate, Activations up, int rows) {
        float[] g = ((HostActivations) gate).data();
        float[] u = ((HostActivations) up).data();
        int n = rows * gate.cols();
        for (int i = 0; i < n; i++) {
            double x = g[i];
            g[i] = (float) (x / (1 + Math.exp(-x)) * u[i]);
        }
    }
}
