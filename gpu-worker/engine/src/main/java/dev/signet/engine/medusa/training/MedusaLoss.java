package dev.signet.engine.medusa.training;

import dev.signet.engine.backend.cpu.CpuThreadPool;
import dev.signet.engine.backend.cpu.VectorMath;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Medusa-1's objective over frozen hidden states, and its gradient by hand. Head i maps the state h_t through its
 * ResBlocks {@code x ← x + SiLU(W x + b)} to y, then through the shared lm_head E to logits {@code z = E y}; its loss
 * is the mean cross-entropy of z against token t+2+i over the positions where that token lies inside the sample, and
 * the objective is the sum over heads. Backward, per position:
 * {@code dz = softmax(z) − onehot}, {@code dy = Eᵀ dz}, and through each block from the last,
 * {@code da = dx ⊙ SiLU'(a)} with {@code SiLU'(a) = σ(a)(1 + a(1 − σ(a)))}, {@code dW += da xᵀ}, {@code db += da},
 * {@code dx ← dx + Wᵀ da}.
 *
 * <p>Positions are split evenly among the pool's threads; each runs tiles of {@value #TILE} positions as small matrix
 * products ({@link TileMatmul}) in float32 and adds each tile's gradient into its own double sums, which are added in
 * thread order at the end, so a given thread count always gives the same result.
 */
final class MedusaLoss {
    static final int TILE = 32;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private final SharedLmHead lmHead;
    private final CpuThreadPool pool;
    private final Part[] parts;

    MedusaLoss(SharedLmHead lmHead, CpuThreadPool pool) {
        this.lmHead = lmHead;
        this.pool = pool;
        this.parts = new Part[pool.threads()];
    }

    /** Positions to run: row r is position {@code position[r]} of sample {@code sample[r]}. */
    record Rows(int[] sample, int[] position) {
        int count() {
            return sample.length;
        }

        /** Every position t of the given samples that has a token at t + {@code firstOffset}. */
        static Rows of(HiddenStates data, int[] samples, int firstOffset) {
            int n = 0;
            for (int s : samples) {
                n += Math.max(0, data.tokens().get(s).length - firstOffset);
            }
            int[] sample = new int[n];
            int[] position = new int[n];
            int r = 0;
            for (int s : samples) {
                for (int t = 0; t + firstOffset < data.tokens().get(s).length; t++, r++) {
                    sample[r] = s;
                    position[r] = t;
                }
            }
            return new Rows(sample, position);
        }
    }

    /**
     * The loss of each head on the given samples (mean over its positions; 0 where a head has none) and, into
     * {@code gradient}, the gradient of their sum.
     */
    double[] lossAndGradient(HeadParameters p, HiddenStates data, int[] samples, HeadGradients gradient) {
        Rows rows = Rows.of(data, samples, 2);
        long[] counts = new long[p.heads()];
        for (int s : samples) {
            for (int h = 0; h < p.heads(); h++) {
                counts[h] += Math.max(0, data.tokens().get(s).length - 2 - h);
            }
        }
        float[] scale = new float[p.heads()];
        for (int h = 0; h < p.heads(); h++) {
            scale[h] = counts[h] == 0 ? 0 : 1f / counts[h];
        }
        float[][] transposed = transposedWeights(p);
        forEachTile(p, rows, (part, r, n) -> part.trainTile(p, transposed, data, rows, r, n, scale));
        gradient.clear();
        double[] loss = new double[p.heads()];
        for (Part part : parts) {
            gradient.add(part.gradient);
            for (int h = 0; h < loss.length; h++) {
                loss[h] += part.loss[h];
            }
        }
        for (int h = 0; h < loss.length; h++) {
            loss[h] = counts[h] == 0 ? 0 : loss[h] / counts[h];
        }
        return loss;
    }

    /** Work on rows {@code [r, r + n)} ({@code n <= TILE}) with a thread's own part. */
    private interface TileWork {
        void run(Part part, int r, int n);
    }

    /** Splits the rows evenly among the threads, each clearing its part and running its rows tile by tile, in order. */
    private void forEachTile(HeadParameters p, Rows rows, TileWork work) {
        int threads = parts.length;
        pool.parallelFor(threads, 1, (from, to) -> {
            for (int t = from; t < to; t++) {
                Part part = part(t, p);
                part.clear();
                int r0 = (int) ((long) rows.count() * t / threads);
                int r1 = (int) ((long) rows.count() * (t + 1) / threads);
                for (int r = r0; r < r1; r += TILE) {
                    work.run(part, r, Math.min(TILE, r1 - r));
                }
            }
        });
    }

    /** Top-1 / top-5 accuracy of the lm_head (t+1) and of every head (t+2+i) on all positions of {@code data}. */
    List<HeadAccuracy> accuracy(HeadParameters p, HiddenStates data) {
        int[] all = new int[data.count()];
        Arrays.setAll(all, i -> i);
        Rows rows = Rows.of(data, all, 1);
        float[][] transposed = transposedWeights(p);
        forEachTile(p, rows, (part, r, n) -> part.scoreTile(p, transposed, data, rows, r, n));
        List<HeadAccuracy> out = new ArrayList<>();
        for (int h = -1; h < p.heads(); h++) {
            long top1 = 0;
            long top5 = 0;
            long n = 0;
            for (Part part : parts) {
                top1 += part.hits[h + 1][0];
                top5 += part.hits[h + 1][1];
                n += part.hits[h + 1][2];
            }
            out.add(new HeadAccuracy(h, top1, top5, n));
        }
        return out;
    }

    /** Head {@code head}'s logits ({@code vocab} floats) for one hidden state, by the same code that trains and scores. */
    float[] logits(HeadParameters p, int head, float[] hidden) {
        HiddenStates one = new HiddenStates(p.dim(), List.of(new int[] {0}), List.of(hidden));
        Part part = new Part(p.heads(), p.layers(), p.dim(), lmHead.vocab());
        part.gather(one, new Rows(new int[] {0}, new int[] {0}), 0, 1);
        part.forward(p, transposedWeights(p), head, 1);
        return Arrays.copyOf(part.z, lmHead.vocab());
    }

    private static float[][] transposedWeights(HeadParameters p) {
        int d = p.dim();
        float[][] t = new float[p.blocks()][d * d];
        for (int b = 0; b < p.blocks(); b++) {
            float[] w = p.weight()[b];
            for (int o = 0; o < d; o++) {
                for (int i = 0; i < d; i++) {
                    t[b][i * d + o] = w[o * d + i];
                }
            }
        }
        return t;
    }

    private Part part(int index, HeadParameters p) {
        Part part = parts[index];
        if (part == null || !part.fits(p)) {
            part = parts[index] = new Part(p.heads(), p.layers(), p.dim(), lmHead.vocab());
        }
        return part;
    }

    /** One thread's work buffers and sums. */
    private final class Part {
        final int heads;
        final int layers;
        final int dim;
        final int vocab;
        final float[][] x;       // [layers + 1][TILE · dim] block inputs; x[layers] is y
        final float[][] a;       // [layers][TILE · dim] pre-activations W x + b
        final float[] z;         // [TILE · vocab] logits, then their gradient
        final float[] dx;        // [TILE · dim]
        final float[] da;        // [TILE · dim]
        final float[] dw;        // [dim · dim] one tile's weight gradient
        final HeadGradients gradient;
        final double[] loss;     // [heads] summed cross-entropy
        final long[][] hits;     // [heads + 1][top-1, top-5, positions]

        Part(int heads, int layers, int dim, int vocab) {
            this.heads = heads;
            this.layers = layers;
            this.dim = dim;
            this.vocab = vocab;
            x = new float[layers + 1][TILE * dim];
            a = new float[layers][TILE * dim];
            z = new float[TILE * vocab];
            dx = new float[TILE * dim];
            da = new float[TILE * dim];
            dw = new float[dim * dim];
            gradient = HeadGradients.zeros(heads * layers, dim);
            loss = new double[heads];
            hits = new long[heads + 1][3];
        }

        boolean fits(HeadParameters p) {
            return p.heads() == heads && p.layers() == layers && p.dim() == dim;
        }

        void clear() {
            gradient.clear();
            Arrays.fill(loss, 0);
            for (long[] h : hits) {
                Arrays.fill(h, 0);
            }
        }

        /** Copies the hidden states of rows {@code [r, r + n)} into x[0]. */
        void gather(HiddenStates data, Rows rows, int r, int n) {
            for (int i = 0; i < n; i++) {
                System.arraycopy(data.states().get(rows.sample()[r + i]), rows.position()[r + i] * dim, x[0], i * dim, dim);
            }
        }

        /** x[l+1] = x[l] + SiLU(W x[l] + b) for every block of head h; leaves a[l] for the backward pass. */
        void forward(HeadParameters p, float[][] transposed, int h, int n) {
            for (int l = 0; l < layers; l++) {
                int block = h * layers + l;
                TileMatmul.multiply(n, dim, dim, x[l], 0, dim, 1, transposed[block], 0, a[l], 0, false);
                float[] bias = p.bias()[block];
                float[] in = x[l];
                float[] pre = a[l];
                float[] out = x[l + 1];
                for (int i = 0; i < n; i++) {
                    int row = i * dim;
                    int k = 0;
                    for (; k < F.loopBound(dim); k += F.length()) {
                        FloatVector v = FloatVector.fromArray(F, pre, row + k).add(FloatVector.fromArray(F, bias, k));
                        v.intoArray(pre, row + k);
                        FloatVector silu = v.div(VectorMath.exp(v.neg()).add(1f));
                        FloatVector.fromArray(F, in, row + k).add(silu).intoArray(out, row + k);
                    }
                    for (; k < dim; k++) {
                        float v = pre[row + k] + bias[k];
                        pre[row + k] = v;
                        out[row + k] = in[row + k] + v / (VectorMath.exp(-v) + 1f);
                    }
                }
            }
            TileMatmul.multiply(n, vocab, dim, x[layers], 0, dim, 1, lmHead.transposed(), 0, z, 0, false);
        }

        void trainTile(HeadParameters p, float[][] transposed, HiddenStates data, Rows rows, int r, int n, float[] scale) {
            gather(data, rows, r, n);
            for (int h = 0; h < heads; h++) {
                forward(p, transposed, h, n);
                for (int i = 0; i < n; i++) {
                    int[] tokens = data.tokens().get(rows.sample()[r + i]);
                    int target = rows.position()[r + i] + 2 + h;
                    if (target < tokens.length) {
                        loss[h] += softmaxGradient(i * vocab, tokens[target], scale[h]);
                    } else {
                        Arrays.fill(z, i * vocab, (i + 1) * vocab, 0f);
                    }
                }
                // dy = dz E, then back through the blocks, last first.
                TileMatmul.multiply(n, dim, vocab, z, 0, vocab, 1, lmHead.weight(), 0, dx, 0, false);
                for (int l = layers - 1; l >= 0; l--) {
                    int block = h * layers + l;
                    siluBackward(a[l], n);
                    TileMatmul.multiply(dim, dim, n, da, 0, 1, dim, x[l], 0, dw, 0, false);  // dW = daᵀ x
                    double[] gw = gradient.weight()[block];
                    for (int k = 0; k < dw.length; k++) {
                        gw[k] += dw[k];
                    }
                    double[] gb = gradient.bias()[block];
                    for (int i = 0; i < n; i++) {
                        for (int k = 0; k < dim; k++) {
                            gb[k] += da[i * dim + k];
                        }
                    }
                    if (l > 0) {
                        TileMatmul.multiply(n, dim, dim, da, 0, dim, 1, p.weight()[block], 0, dx, 0, true);  // dx += da W
                    }
                }
            }
        }

        /**
         * Turns the logits row at {@code at} into {@code scale · (softmax − onehot(target))} and returns the row's
         * cross-entropy, log Σ exp z − z_target.
         */
        double softmaxGradient(int at, int target, float scale) {
            int k = 0;
            FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; k < F.loopBound(vocab); k += F.length()) {
                vmax = vmax.max(FloatVector.fromArray(F, z, at + k));
            }
            float max = vmax.reduceLanes(VectorOperators.MAX);  // max is exact in any order
            for (; k < vocab; k++) {
                max = Math.max(max, z[at + k]);
            }
            float zTarget = z[at + target];
            FloatVector vsum = FloatVector.zero(F);
            k = 0;
            for (; k < F.loopBound(vocab); k += F.length()) {
                FloatVector e = VectorMath.exp(FloatVector.fromArray(F, z, at + k).sub(max));
                e.intoArray(z, at + k);
                vsum = vsum.add(e);
            }
            double sum = VectorMath.sum(vsum);
            for (; k < vocab; k++) {
                float e = VectorMath.exp(z[at + k] - max);
                z[at + k] = e;
                sum += e;
            }
            float factor = (float) (scale / sum);
            k = 0;
            for (; k < F.loopBound(vocab); k += F.length()) {
                FloatVector.fromArray(F, z, at + k).mul(factor).intoArray(z, at + k);
            }
            for (; k < vocab; k++) {
                z[at + k] *= factor;
            }
            z[at + target] -= scale;
            return Math.log(sum) + max - zTarget;
        }

        /** da = dx ⊙ SiLU'(a), SiLU'(a) = σ(a)(1 + a(1 − σ(a))). */
        void siluBackward(float[] pre, int n) {
            int size = n * dim;
            int k = 0;
            for (; k < F.loopBound(size); k += F.length()) {
                FloatVector v = FloatVector.fromArray(F, pre, k);
                FloatVector s = FloatVector.broadcast(F, 1f).div(VectorMath.exp(v.neg()).add(1f));
                FloatVector d = s.mul(v.mul(s.neg().add(1f)).add(1f));
                FloatVector.fromArray(F, dx, k).mul(d).intoArray(da, k);
            }
            for (; k < size; k++) {
                float v = pre[k];
                float s = 1f / (VectorMath.exp(-v) + 1f);
                da[k] = dx[k] * s * (1 + v * (1 - s));
            }
        }

        void scoreTile(HeadParameters p, float[][] transposed, HiddenStates data, Rows rows, int r, int n) {
            gather(data, rows, r, n);
            TileMatmul.multiply(n, vocab, dim, x[0], 0, dim, 1, lmHead.transposed(), 0, z, 0, false);
            count(data, rows, r, n, -1);
            for (int h = 0; h < heads; h++) {
                forward(p, transposed, h, n);
                count(data, rows, r, n, h);
            }
        }

        /** Ranks each row's true token among the logits in z (ties go to the lower id, as argmax picks). */
        void count(HiddenStates data, Rows rows, int r, int n, int head) {
            long[] tally = hits[head + 1];
            for (int i = 0; i < n; i++) {
                int[] tokens = data.tokens().get(rows.sample()[r + i]);
                int target = rows.position()[r + i] + 2 + head;
                if (target >= tokens.length) {
                    continue;
                }
                int at = i * vocab;
                int token = tokens[target];
                float zt = z[at + token];
                int above = 0;
                int k = 0;
                for (; k < F.loopBound(vocab); k += F.length()) {
                    above += FloatVector.fromArray(F, z, at + k).compare(VectorOperators.GT, zt).trueCount();
                }
                for (; k < vocab; k++) {
                    above += z[at + k] > zt ? 1 : 0;
                }
                for (k = 0; k < token; k++) {
                    above += z[at + k] == zt ? 1 : 0;
                }
                tally[0] += above == 0 ? 1 : 0;
                tally[1] += above < 5 ? 1 : 0;
                tally[2]++;
            }
        }
    }
}
