package dev.signet.engine.backend.cpu;

import static dev.signet.engine.backend.cpu.WeightVectors.F;
import static dev.signet.engine.backend.cpu.WeightVectors.L;
import static dev.signet.engine.backend.cpu.WeightVectors.load;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * {@code out[r] = W · x[r]} with the Vector API, in two regimes. A step of few rows is bound by memory
 * bandwidth: each thread streams its contiguous slice of W's rows once, as dot products whose lanes run
 * along the input (tiles of 4 weight rows × 2 batch rows, 4 × 1 for the odd row).
 * A step of {@link #LANE_ROWS} rows or more is bound by arithmetic and goes to {@link RowLanesMatmul}, which
 * puts batch rows in the lanes. Within each regime every (output, row) pair is summed in the same order
 * whatever the tile, so a row's result does not depend on the rest of the batch; across the two regimes
 * the summation order differs, which changes results only by float rounding (about 1e-7 relative).
 */
final class VectorMatmul {
    /** From this many rows on, rows-in-lanes wins: each weight feeds eight or more lanes of useful work. */
    static final int LANE_ROWS = 8;
    /** Below this many multiply-adds, handing out work costs more than it saves. */
    static final long PARALLEL_WORK = 1 << 16;
    private static final int TILE = 4;
    /** Per-thread float32 copy of the weight tile being multiplied, {@code [TILE, cols]}. */
    private static final ThreadLocal<float[]> TILE_ROWS = ThreadLocal.withInitial(() -> new float[0]);

    private final CpuThreadPool pool;
    private final RowLanesMatmul rowLanes = new RowLanesMatmul();

    VectorMatmul(CpuThreadPool pool) {
        this.pool = pool;
    }

    /** A piece of one weight's outputs, {@code [j0, j1)} of weight k. */
    @FunctionalInterface
    interface PieceBody {
        void run(int k, int j0, int j1);
    }

    /**
     * {@code outs[k][r] = ws[k] · x[r]}: the weights' output rows are shared out as one range (so three
     * projections of unequal size still split evenly), each thread's part cut into per-weight pieces.
     */
    void run(HostActivations x, int rows, HostWeight[] ws, HostActivations[] outs) {
        int[] first = new int[ws.length + 1];
        long work = 0;
        for (int k = 0; k < ws.length; k++) {
            HostWeight w = ws[k];
            if (x.cols() != w.cols() || outs[k].cols() != w.rows()) {
                throw new IllegalArgumentException("matmul " + w.name() + " [" + w.rows() + ", " + w.cols() + "] on x["
                        + x.cols() + "] into out[" + outs[k].cols() + "]");
            }
            first[k + 1] = first[k] + w.rows();
            work += (long) w.rows() * w.cols() * rows;
        }
        if (rows >= LANE_ROWS) {
            RowLanesMatmul.Input in = rowLanes.prepare(x, rows);
            pool.parallelFor(first[ws.length], RowLanesMatmul.TILE,
                    (s, e) -> pieces(first, s, e, (k, j0, j1) -> RowLanesMatmul.range(ws[k], in, outs[k], j0, j1)));
        } else if (work < PARALLEL_WORK) {
            pieces(first, 0, first[ws.length], (k, j0, j1) -> range(ws[k], x, rows, outs[k], j0, j1));
        } else {
            pool.parallelFor(first[ws.length], TILE,
                    (s, e) -> pieces(first, s, e, (k, j0, j1) -> range(ws[k], x, rows, outs[k], j0, j1)));
        }
    }

    /** Runs body on the per-weight pieces of the concatenated output range {@code [start, end)}. */
    static void pieces(int[] first, int start, int end, PieceBody body) {
        for (int k = 0; k + 1 < first.length; k++) {
            int s = Math.max(start, first[k]);
            int e = Math.min(end, first[k + 1]);
            if (s < e) {
                body.run(k, s - first[k], e - first[k]);
            }
        }
    }

    private static void range(HostWeight w, HostActivations x, int rows, HostActivations out, int j0, int j1) {
        float[] tile = TILE_ROWS.get();
        if (tile.length < TILE * w.cols()) {
            tile = new float[TILE * w.cols()];
            TILE_ROWS.set(tile);
        }
        int j = j0;
        for (; j + TILE <= j1; j += TILE) {
            if (rows == 1) {
                tile4x1(w, j, x, 0, out);
                continue;
            }
            widen(w, j, tile);
            int r = 0;
            for (; r + 2 <= rows; r += 2) {
                tile4x2(tile, w, j, x, r, out);
            }
            if (r < rows) {
                tile4x1(w, j, x, r, out);
            }
        }
        for (; j < j1; j++) {
            for (int r = 0; r < rows; r++) {
                out.data()[r * out.cols() + j] = finish(dotBody(w, j, x, r), w, j, x, r);
            }
        }
    }

    /** Copies weight rows j..j+3 as float32 into {@code tile}: loads from a plain array are cheaper than from a mapping. */
    private static void widen(HostWeight w, int j, float[] tile) {
        int n = w.cols();
        int bound = F.loopBound(n);
        int kind = WeightVectors.kind(w.dtype());
        long es = w.dtype().byteSize();
        for (int t = 0; t < TILE; t++) {
            long b = w.rowByteOffset(j + t);
            for (int i = 0; i < bound; i += L) {
                load(w.data(), b + i * es, kind).intoArray(tile, t * n + i);
            }
        }
    }

    private static void tile4x1(HostWeight w, int j, HostActivations x, int r, HostActivations out) {
        MemorySegment seg = w.data();
        int kind = WeightVectors.kind(w.dtype());
        long es = w.dtype().byteSize();
        long b0 = w.rowByteOffset(j);
        long rowBytes = w.rowByteOffset(1);
        float[] xs = x.data();
        int xo = x.offset(r);
        int bound = F.loopBound(w.cols());
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(F, xs, xo + i);
            long off = b0 + i * es;
            a0 = load(seg, off, kind).fma(xv, a0);
            a1 = load(seg, off + rowBytes, kind).fma(xv, a1);
            a2 = load(seg, off + 2 * rowBytes, kind).fma(xv, a2);
            a3 = load(seg, off + 3 * rowBytes, kind).fma(xv, a3);
        }
        float[] o = out.data();
        int oo = out.offset(r) + j;
        o[oo] = finish(a0, w, j, x, r);
        o[oo + 1] = finish(a1, w, j + 1, x, r);
        o[oo + 2] = finish(a2, w, j + 2, x, r);
        o[oo + 3] = finish(a3, w, j + 3, x, r);
    }

    private static void tile4x2(float[] tile, HostWeight w, int j, HostActivations x, int r, HostActivations out) {
        int n = w.cols();
        float[] xs = x.data();
        int x0 = x.offset(r);
        int x1 = x.offset(r + 1);
        int bound = F.loopBound(n);
        FloatVector a00 = FloatVector.zero(F), a10 = a00, a20 = a00, a30 = a00;
        FloatVector a01 = a00, a11 = a00, a21 = a00, a31 = a00;
        for (int i = 0; i < bound; i += L) {
            FloatVector xv0 = FloatVector.fromArray(F, xs, x0 + i);
            FloatVector xv1 = FloatVector.fromArray(F, xs, x1 + i);
            FloatVector w0 = FloatVector.fromArray(F, tile, i);
            a00 = w0.fma(xv0, a00);
            a01 = w0.fma(xv1, a01);
            FloatVector w1 = FloatVector.fromArray(F, tile, n + i);
            a10 = w1.fma(xv0, a10);
            a11 = w1.fma(xv1, a11);
            FloatVector w2 = FloatVector.fromArray(F, tile, 2 * n + i);
            a20 = w2.fma(xv0, a20);
            a21 = w2.fma(xv1, a21);
            FloatVector w3 = FloatVector.fromArray(F, tile, 3 * n + i);
            a30 = w3.fma(xv0, a30);
            a31 = w3.fma(xv1, a31);
        }
        float[] o = out.data();
        int o0 = out.offset(r) + j;
        int o1 = out.offset(r + 1) + j;
        o[o0] = finish(a00, w, j, x, r);
        o[o0 + 1] = finish(a10, w, j + 1, x, r);
        o[o0 + 2] = finish(a20, w, j + 2, x, r);
        o[o0 + 3] = finish(a30, w, j + 3, x, r);
        o[o1] = finish(a01, w, j, x, r + 1);
        o[o1 + 1] = finish(a11, w, j + 1, x, r + 1);
        o[o1 + 2] = finish(a21, w, j + 2, x, r + 1);
        o[o1 + 3] = finish(a31, w, j + 3, x, r + 1);
    }

    /** The vector part of one row's dot product, for the rows left over after the 4-row tiles. */
    private static FloatVector dotBody(HostWeight w, int j, HostActivations x, int r) {
        int kind = WeightVectors.kind(w.dtype());
        long es = w.dtype().byteSize();
        long b0 = w.rowByteOffset(j);
        int xo = x.offset(r);
        int bound = F.loopBound(w.cols());
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < bound; i += L) {
            acc = load(w.data(), b0 + i * es, kind).fma(FloatVector.fromArray(F, x.data(), xo + i), acc);
        }
        return acc;
    }

    /** Lane sum, then the columns past the last full vector, in the same order for every tile. */
    private static float finish(FloatVector acc, HostWeight w, int j, HostActivations x, int r) {
        float sum = VectorMath.sum(acc);
        int n = w.cols();
        long row = (long) j * n;
        int xo = x.offset(r);
        for (int i = F.loopBound(n); i < n; i++) {
            sum += w.get(row + i) * x.data()[xo + i];
        }
        return sum;
    }
}
