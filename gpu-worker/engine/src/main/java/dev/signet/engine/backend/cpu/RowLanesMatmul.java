package dev.signet.engine.backend.cpu;

import static dev.signet.engine.backend.cpu.WeightVectors.F;
import static dev.signet.engine.backend.cpu.WeightVectors.L;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * {@code out[r] = W · x[r]} for batches of many rows, where the step is compute-bound: batch rows sit in the
 * vector lanes. x is transposed once per call to {@code [in, rowsPadded]}; each thread widens 6 of W's rows
 * at a time (any weight dtype) into a float tile, in input chunks that keep the tile and x's chunk in L2,
 * and accumulates {@code out[r, j] += W[j, i] · x[r, i]} as one fused multiply-add chain per (j, r) in input
 * order. That order is the same whatever the tile, so every row's result is independent of the rest of the
 * batch; no horizontal reductions are needed. The 6 × 2-vector tile holds 12 accumulators, 2 row vectors
 * and a broadcast in AVX2's 16 registers and keeps both FMA pipes busy (the 4 × 2 tile reached about 70%).
 */
final class RowLanesMatmul {
    static final int TILE = 6;
    /** Floats of x's transposed chunk kept in L2 per thread: chunk × rowsPadded ≤ this. */
    private static final int XT_CHUNK_FLOATS = 1 << 16;
    /** Inputs per transpose block: a block of xT's lines stays in L1 while every row is written into it. */
    private static final int TRANSPOSE_BLOCK = 128;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    /** x transposed, [in, rowsPadded]; written by the calling thread, read by all. */
    private float[] xT = new float[0];

    /** A prepared input: x transposed with its rows padded to whole vectors, and the input chunk length. */
    record Input(float[] xT, int rows, int padded, int chunk) {}

    /** Transposes x (once for all the weights that multiply it). The returned input is valid until the next call. */
    Input prepare(HostActivations x, int rows) {
        int in = x.cols();
        int padded = (rows + L - 1) / L * L;
        if (xT.length < in * padded) {
            xT = new float[in * padded];
        }
        float[] xd = x.data();
        for (int i0 = 0; i0 < in; i0 += TRANSPOSE_BLOCK) {
            int i1 = Math.min(in, i0 + TRANSPOSE_BLOCK);
            for (int r = 0; r < rows; r++) {
                for (int i = i0, src = r * in + i0; i < i1; i++, src++) {
                    xT[i * padded + r] = xd[src];
                }
            }
            if (padded > rows) {
                for (int i = i0; i < i1; i++) {
                    Arrays.fill(xT, i * padded + rows, (i + 1) * padded, 0f);
                }
            }
        }
        int chunk = Math.max(L, Math.min(in, XT_CHUNK_FLOATS / padded / L * L));
        return new Input(xT, rows, padded, chunk);
    }

    static void range(HostWeight w, Input input, HostActivations out, int j0, int j1) {
        range(w, input.xT(), input.rows(), input.padded(), input.chunk(), out, j0, j1);
    }

    private static void range(HostWeight w, float[] xT, int rows, int padded, int chunk, HostActivations out, int j0,
                              int j1) {
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < TILE * chunk) {
            scratch[0] = new float[TILE * chunk];
        }
        if (scratch[1].length < TILE * padded) {
            scratch[1] = new float[TILE * padded];
        }
        float[] tile = scratch[0];   // [TILE, chunk] weights, float32
        float[] acc = scratch[1];    // [TILE, padded] running sums
        int in = w.cols();
        int vectors = padded / L;
        for (int j = j0; j < j1; j += TILE) {
            // A tile past the last output (a piece's end) runs with zero weights in its spare rows: the same
            // vector arithmetic for the real outputs, whose results alone are kept.
            int valid = Math.min(TILE, j1 - j);
            Arrays.fill(acc, 0, TILE * padded, 0f);
            for (int i0 = 0; i0 < in; i0 += chunk) {
                int len = Math.min(chunk, in - i0);
                widen(w, j, valid, i0, len, tile, chunk);
                int v = 0;
                for (; v + 2 <= vectors; v += 2) {
                    tile6x2(tile, chunk, len, xT, padded, i0, v, acc);
                }
                if (v < vectors) {
                    tile6x1(tile, chunk, len, xT, padded, i0, v, acc);
                }
            }
            float[] o = out.data();
            for (int t = 0; t < valid; t++) {
                for (int r = 0; r < rows; r++) {
                    o[out.offset(r) + j + t] = acc[t * padded + r];
                }
            }
        }
    }

    /** W[j .. j+valid)[i0 .. i0+len) as float32 into tile rows of {@code stride}; rows valid..TILE-1 are zeroed. */
    private static void widen(HostWeight w, int j, int valid, int i0, int len, float[] tile, int stride) {
        int kind = WeightVectors.kind(w.dtype());
        long es = w.dtype().byteSize();
        int bound = F.loopBound(len);
        for (int t = 0; t < valid; t++) {
            long base = w.rowByteOffset(j + t) + i0 * es;
            int at = t * stride;
            for (int i = 0; i < bound; i += L) {
                WeightVectors.load(w.data(), base + i * es, kind).intoArray(tile, at + i);
            }
            long element = (long) (j + t) * w.cols() + i0;
            for (int i = bound; i < len; i++) {
                tile[at + i] = w.get(element + i);
            }
        }
        Arrays.fill(tile, valid * stride, TILE * stride, 0f);
    }

    /** The tile's six outputs × row vectors v, v+1: twelve accumulators, each weight broadcast feeds two. */
    private static void tile6x2(float[] tile, int stride, int len, float[] xT, int padded, int i0, int v, float[] acc) {
        int a = v * L;
        FloatVector a00 = FloatVector.fromArray(F, acc, a), a01 = FloatVector.fromArray(F, acc, a + L);
        FloatVector a10 = FloatVector.fromArray(F, acc, a + padded), a11 = FloatVector.fromArray(F, acc, a + padded + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, a + 2 * padded), a21 = FloatVector.fromArray(F, acc, a + 2 * padded + L);
        FloatVector a30 = FloatVector.fromArray(F, acc, a + 3 * padded), a31 = FloatVector.fromArray(F, acc, a + 3 * padded + L);
        FloatVector a40 = FloatVector.fromArray(F, acc, a + 4 * padded), a41 = FloatVector.fromArray(F, acc, a + 4 * padded + L);
        FloatVector a50 = FloatVector.fromArray(F, acc, a + 5 * padded), a51 = FloatVector.fromArray(F, acc, a + 5 * padded + L);
        for (int i = 0, xi = i0 * padded + a; i < len; i++, xi += padded) {
            FloatVector x0 = FloatVector.fromArray(F, xT, xi);
            FloatVector x1 = FloatVector.fromArray(F, xT, xi + L);
            FloatVector b = FloatVector.broadcast(F, tile[i]);
            a00 = b.fma(x0, a00);
            a01 = b.fma(x1, a01);
            b = FloatVector.broadcast(F, tile[stride + i]);
            a10 = b.fma(x0, a10);
            a11 = b.fma(x1, a11);
            b = FloatVector.broadcast(F, tile[2 * stride + i]);
            a20 = b.fma(x0, a20);
            a21 = b.fma(x1, a21);
            b = FloatVector.broadcast(F, tile[3 * stride + i]);
            a30 = b.fma(x0, a30);
            a31 = b.fma(x1, a31);
            b = FloatVector.broadcast(F, tile[4 * stride + i]);
            a40 = b.fma(x0, a40);
            a41 = b.fma(x1, a41);
            b = FloatVector.broadcast(F, tile[5 * stride + i]);
            a50 = b.fma(x0, a50);
            a51 = b.fma(x1, a51);
        }
        a00.intoArray(acc, a);
        a01.intoArray(acc, a + L);
        a10.intoArray(acc, a + padded);
        a11.intoArray(acc, a + padded + L);
        a20.intoArray(acc, a + 2 * padded);
        a21.intoArray(acc, a + 2 * padded + L);
        a30.intoArray(acc, a + 3 * padded);
        a31.intoArray(acc, a + 3 * padded + L);
        a40.intoArray(acc, a + 4 * padded);
        a41.intoArray(acc, a + 4 * padded + L);
        a50.intoArray(acc, a + 5 * padded);
        a51.intoArray(acc, a + 5 * padded + L);
    }

    /** The tile's six outputs × the last (odd) row vector. */
    private static void tile6x1(float[] tile, int stride, int len, float[] xT, int padded, int i0, int v, float[] acc) {
        int a = v * L;
        FloatVector a0 = FloatVector.fromArray(F, acc, a), a1 = FloatVector.fromArray(F, acc, a + padded);
        FloatVector a2 = FloatVector.fromArray(F, acc, a + 2 * padded), a3 = FloatVector.fromArray(F, acc, a + 3 * padded);
        FloatVector a4 = FloatVector.fromArray(F, acc, a + 4 * padded), a5 = FloatVector.fromArray(F, acc, a + 5 * padded);
        for (int i = 0, xi = i0 * padded + a; i < len; i++, xi += padded) {
            FloatVector x = FloatVector.fromArray(F, xT, xi);
            a0 = FloatVector.broadcast(F, tile[i]).fma(x, a0);
            a1 = FloatVector.broadcast(F, tile[stride + i]).fma(x, a1);
            a2 = FloatVector.broadcast(F, tile[2 * stride + i]).fma(x, a2);
            a3 = FloatVector.broadcast(F, tile[3 * stride + i]).fma(x, a3);
            a4 = FloatVector.broadcast(F, tile[4 * stride + i]).fma(x, a4);
            a5 = FloatVector.broadcast(F, tile[5 * stride + i]).fma(x, a5);
        }
        a0.intoArray(acc, a);
        a1.intoArray(acc, a + padded);
        a2.intoArray(acc, a + 2 * padded);
        a3.intoArray(acc, a + 3 * padded);
        a4.intoArray(acc, a + 4 * padded);
        a5.intoArray(acc, a + 5 * padded);
    }
}
