package dev.signet.engine.backend.cpu;

import static dev.signet.engine.backend.cpu.WeightVectors.F;

import dev.signet.engine.backend.DeltaSegment;
import dev.signet.engine.backend.SignPlane;
import dev.signet.engine.safetensors.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * BitDelta's correction {@code out[r][j] += Σ_p scales_p[j] · (S_p[j] · x[r])} for the rows of each tenant's
 * segment, straight from the packed sign bits. Each group of {@link #G} bits indexes a table of ±1 vectors,
 * and the table row is fused-multiply-added with x: one scalar index, one L1 load and one FMA per G columns,
 * each sign vector serving two batch rows. (Measured on AVX2 against expanding bits in registers with
 * variable shifts and XOR into x's sign, and against masked adds from {@code VectorMask.fromLong}: the table
 * was about twice as fast.) Output features of all weights are shared out over the pool as one range, every
 * segment and plane done inside a thread's piece, so each tenant's bits are read once per op. Every
 * (output, row) pair is summed in one order whatever the tile (one accumulator in column order, the fixed
 * lane fold, then the columns past the last whole group), so a row's result does not depend on its batch.
 */
final class SignMatmul {
    /** Lanes of a sign vector: the preferred width up to 8, so the table of 2^G vectors stays 8 KiB, in L1. */
    private static final VectorSpecies<Float> S = F.length() <= 8 ? F : FloatVector.SPECIES_256;
    private static final int G = S.length();
    private static final int GROUP_BITS = (1 << G) - 1;
    private static final List<VectorShuffle<Float>> FOLDS = VectorMath.folds(S);
    /** [2^G, G]: row b has +1 in lane i where bit i of b is set, −1 where it is clear. */
    private static final float[] SIGNS = signTable();
    private static final int TILE = 4;
    /**
     * Per-thread accumulators of a finished tile, [8, G]. They reach {@link #finish} through memory: a vector
     * passed to a call the JIT does not inline (8 finishes overflow its inlining budget) is boxed on the heap.
     */
    private static final ThreadLocal<float[]> ACC = ThreadLocal.withInitial(() -> new float[8 * G]);

    private final CpuThreadPool pool;

    SignMatmul(CpuThreadPool pool) {
        this.pool = pool;
    }

    private static float[] signTable() {
        float[] t = new float[(1 << G) * G];
        for (int b = 0; b < 1 << G; b++) {
            for (int i = 0; i < G; i++) {
                t[b * G + i] = (b >>> i & 1) == 1 ? 1f : -1f;
            }
        }
        return t;
    }

    /** One sign plane as the kernels read it: words [rows, ceil(cols/32)] u32, scales [rows], a row's bytes. */
    private record Plane(MemorySegment words, float[] scales, int cols, long rowBytes) {
        Plane(SignPlane p, int cols) {
            this(p.words(), p.scales(), cols, SignPlane.wordsPerRow(cols) * (long) Integer.BYTES);
        }
    }

    /**
     * Adds each segment's deltas to the outputs of its rows. deltas: [segments, weights], null where a tenant
     * left a weight as the base's; outs[k]: [rows, ws[k].rows()], already holding the base product.
     */
    void run(HostActivations x, List<DeltaSegment> segments, HostDeltaWeight[][] deltas, HostActivations[] outs) {
        int[] first = new int[outs.length + 1];
        long work = 0;
        for (int k = 0; k < outs.length; k++) {
            long perFeature = 0;
            for (int s = 0; s < segments.size(); s++) {
                if (deltas[s][k] != null) {
                    perFeature += (long) segments.get(s).rowCount() * x.cols() * deltas[s][k].matrix().planes().size();
                }
            }
            first[k + 1] = first[k] + (perFeature > 0 ? outs[k].cols() : 0);  // weights no tenant changes get no range
            work += perFeature * outs[k].cols();
        }
        VectorMatmul.PieceBody body = (k, j0, j1) -> {
            for (int s = 0; s < segments.size(); s++) {
                if (deltas[s][k] != null) {
                    DeltaSegment seg = segments.get(s);
                    for (SignPlane p : deltas[s][k].matrix().planes()) {
                        range(new Plane(p, x.cols()), x, seg.firstRow(), seg.firstRow() + seg.rowCount(), outs[k], j0, j1);
                    }
                }
            }
        };
        if (work < VectorMatmul.PARALLEL_WORK) {
            VectorMatmul.pieces(first, 0, first[outs.length], body);
        } else {
            pool.parallelFor(first[outs.length], TILE, (s, e) -> VectorMatmul.pieces(first, s, e, body));
        }
    }

    /** Outputs {@code [j0, j1)} of batch rows {@code [r0, r1)}: tiles of 4 outputs × 2 rows, then 4 × 1, then single outputs. */
    private static void range(Plane p, HostActivations x, int r0, int r1, HostActivations out, int j0, int j1) {
        float[] xs = x.data();
        float[] acc = ACC.get();
        int j = j0;
        for (; j + TILE <= j1; j += TILE) {
            int r = r0;
            for (; r + 2 <= r1; r += 2) {
                tile4x2(p, j, xs, x.offset(r), x.offset(r + 1), acc);
                add(acc, 0, p, j, TILE, x, r, out);
                add(acc, TILE, p, j, TILE, x, r + 1, out);
            }
            if (r < r1) {
                tile4x1(p, j, xs, x.offset(r), acc);
                add(acc, 0, p, j, TILE, x, r, out);
            }
        }
        for (; j < j1; j++) {
            for (int r = r0; r < r1; r++) {
                single(p, j, xs, x.offset(r), acc);
                add(acc, 0, p, j, 1, x, r, out);
            }
        }
    }

    /** {@code out[r][j + t] += scales[j + t] · (S[j + t] · x[r])} for t < count, from acc rows first, first + 1, ... */
    private static void add(float[] acc, int first, Plane p, int j, int count, HostActivations x, int r, HostActivations out) {
        for (int t = 0; t < count; t++) {
            out.data()[out.offset(r) + j + t] += p.scales()[j + t] * finish(acc, (first + t) * G, p, j + t, x.data(), x.offset(r));
        }
    }

    /** Table row of the low G bits: ±1 per column of the group. */
    private static FloatVector signs(int bits) {
        return FloatVector.fromArray(S, SIGNS, (bits & GROUP_BITS) * G);
    }

    /**
     * The whole words of outputs j..j+3 for two batch rows at x offsets xa, xb, into acc rows 0..3 (row xa)
     * and 4..7 (row xb): eight accumulators, each sign vector feeds two.
     */
    private static void tile4x2(Plane p, int j, float[] x, int xa, int xb, float[] acc) {
        MemorySegment w = p.words();
        long stride = p.rowBytes();
        long row = j * stride;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int k = 0, words = p.cols() >>> 5; k < words; k++, row += Integer.BYTES) {
            int w0 = w.get(LittleEndian.U32, row);
            int w1 = w.get(LittleEndian.U32, row + stride);
            int w2 = w.get(LittleEndian.U32, row + 2 * stride);
            int w3 = w.get(LittleEndian.U32, row + 3 * stride);
            for (int c = 0; c < 32; c += G) {
                FloatVector xva = FloatVector.fromArray(S, x, xa + 32 * k + c);
                FloatVector xvb = FloatVector.fromArray(S, x, xb + 32 * k + c);
                FloatVector s = signs(w0 >>> c);
                a0 = s.fma(xva, a0);
                b0 = s.fma(xvb, b0);
                s = signs(w1 >>> c);
                a1 = s.fma(xva, a1);
                b1 = s.fma(xvb, b1);
                s = signs(w2 >>> c);
                a2 = s.fma(xva, a2);
                b2 = s.fma(xvb, b2);
                s = signs(w3 >>> c);
                a3 = s.fma(xva, a3);
                b3 = s.fma(xvb, b3);
            }
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, G);
        a2.intoArray(acc, 2 * G);
        a3.intoArray(acc, 3 * G);
        b0.intoArray(acc, 4 * G);
        b1.intoArray(acc, 5 * G);
        b2.intoArray(acc, 6 * G);
        b3.intoArray(acc, 7 * G);
    }

    /** The whole words of outputs j..j+3 for the odd batch row left after the pairs, into acc rows 0..3. */
    private static void tile4x1(Plane p, int j, float[] x, int xa, float[] acc) {
        MemorySegment w = p.words();
        long stride = p.rowBytes();
        long row = j * stride;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0, words = p.cols() >>> 5; k < words; k++, row += Integer.BYTES) {
            int w0 = w.get(LittleEndian.U32, row);
            int w1 = w.get(LittleEndian.U32, row + stride);
            int w2 = w.get(LittleEndian.U32, row + 2 * stride);
            int w3 = w.get(LittleEndian.U32, row + 3 * stride);
            for (int c = 0; c < 32; c += G) {
                FloatVector xv = FloatVector.fromArray(S, x, xa + 32 * k + c);
                a0 = signs(w0 >>> c).fma(xv, a0);
                a1 = signs(w1 >>> c).fma(xv, a1);
                a2 = signs(w2 >>> c).fma(xv, a2);
                a3 = signs(w3 >>> c).fma(xv, a3);
            }
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, G);
        a2.intoArray(acc, 2 * G);
        a3.intoArray(acc, 3 * G);
    }

    /** The whole words of one output for one row, into acc row 0: the outputs left after the 4-output tiles. */
    private static void single(Plane p, int j, float[] x, int xa, float[] acc) {
        long row = j * p.rowBytes();
        FloatVector a0 = FloatVector.zero(S);
        for (int k = 0, words = p.cols() >>> 5; k < words; k++, row += Integer.BYTES) {
            int w0 = p.words().get(LittleEndian.U32, row);
            for (int c = 0; c < 32; c += G) {
                a0 = signs(w0 >>> c).fma(FloatVector.fromArray(S, x, xa + 32 * k + c), a0);
            }
        }
        a0.intoArray(acc, 0);
    }

    /**
     * Finishes {@code S[j] · x} from the whole words' accumulator at {@code acc[at, at + G)}: the whole groups
     * of the last, partial word, the lane sum, then single columns. Padding bits past {@code cols} are never read.
     */
    private static float finish(float[] acc, int at, Plane p, int j, float[] x, int xa) {
        FloatVector v = FloatVector.fromArray(S, acc, at);
        int n = p.cols();
        int groups = n / G * G;
        long row = j * p.rowBytes();
        for (int i = n & -32; i < groups; i += G) {
            v = signs(p.words().get(LittleEndian.U32, row + (i >>> 5) * Integer.BYTES) >>> (i & 31))
                    .fma(FloatVector.fromArray(S, x, xa + i), v);
        }
        float sum = VectorMath.sum(v, FOLDS);
        for (int i = groups; i < n; i++) {
            int word = p.words().get(LittleEndian.U32, row + (i >>> 5) * Integer.BYTES);
            sum += (word >>> (i & 31) & 1) == 1 ? x[xa + i] : -x[xa + i];
        }
        return sum;
    }
}
