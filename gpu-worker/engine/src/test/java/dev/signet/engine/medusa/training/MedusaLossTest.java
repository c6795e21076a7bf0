package dev.signet.engine.medusa.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.signet.engine.backend.cpu.CpuThreadPool;
import dev.signet.engine.testing.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The hand-written gradient of Medusa's loss against central finite differences of a plain double-precision
 * re-implementation of the loss, on random heads, states and lm_head (never zeros), for shapes that exercise
 * the vector kernels' full tiles and their tails, on one thread and on two.
 */
class MedusaLossTest {
    /** Coordinates of each tensor checked by finite differences (each costs two evaluations of the plain loss). */
    private static final int COORDINATES = 24;

    @ParameterizedTest(name = "dim {0}, vocab {1}, {2} heads × {3} layers, {4} threads")
    @CsvSource({"20, 45, 2, 2, 1", "20, 45, 2, 2, 2", "64, 512, 3, 1, 2", "9, 7, 1, 3, 2"})
    void gradientMatchesFiniteDifferencesOfAPlainDoubleLoss(int dim, int vocab, int heads, int layers, int threads) {
        SplittableRandom rng = new SplittableRandom(dim * 31L + vocab);
        SharedLmHead lmHead = SharedLmHead.of(vocab, dim, uniform(rng, vocab * dim, 0.6));
        HiddenStates data = randomStates(rng, dim, vocab, new int[] {40, 3, 2, 17, 75});
        HeadParameters p = randomHeads(rng, heads, layers, dim);
        int[] batch = {0, 1, 2, 3, 4};

        HeadGradients g = HeadGradients.zeros(p.blocks(), dim);
        double[] loss;
        try (CpuThreadPool pool = new CpuThreadPool(threads)) {
            loss = new MedusaLoss(lmHead, pool).lossAndGradient(p, data, batch, g);
        }

        double[] reference = PlainLoss.perHead(p, lmHead, data, batch);
        for (int h = 0; h < heads; h++) {
            assertThat(loss[h]).as("head %d loss", h).isCloseTo(reference[h], within(2e-5 * reference[h]));
        }
        double step = 1e-4;
        for (int b = 0; b < p.blocks(); b++) {
            float[][] tensors = {p.weight()[b], p.bias()[b]};
            double[][] analytic = {g.weight()[b], g.bias()[b]};
            for (int t = 0; t < 2; t++) {
                float[] param = tensors[t];
                int[] coords = rng.ints(Math.min(param.length, COORDINATES), 0, param.length).toArray();
                float[] numeric = new float[coords.length];
                float[] mine = new float[coords.length];
                for (int c = 0; c < coords.length; c++) {
                    int i = coords[c];
                    float keep = param[i];
                    param[i] = (float) (keep + step);
                    double up = PlainLoss.ofHead(p, lmHead, data, batch, b / layers);  // the other heads' losses do not move
                    param[i] = (float) (keep - step);
                    double down = PlainLoss.ofHead(p, lmHead, data, batch, b / layers);
                    param[i] = keep;
                    double actualStep = (double) (float) (keep + step) - (float) (keep - step);
                    numeric[c] = (float) ((up - down) / actualStep);
                    mine[c] = (float) analytic[t][i];
                }
                Tolerance.assertClose(mine, numeric, 1e-3, "block " + b + (t == 0 ? " weight" : " bias") + " gradient");
            }
        }
    }

    static float[] uniform(SplittableRandom rng, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rng.nextDouble(-scale, scale);
        }
        return v;
    }

    static HiddenStates randomStates(SplittableRandom rng, int dim, int vocab, int[] lengths) {
        List<int[]> tokens = new ArrayList<>();
        List<float[]> states = new ArrayList<>();
        for (int len : lengths) {
            tokens.add(rng.ints(len, 0, vocab).toArray());
            states.add(uniform(rng, len * dim, 1.5));
        }
        return new HiddenStates(dim, tokens, states);
    }

    static HeadParameters randomHeads(SplittableRandom rng, int heads, int layers, int dim) {
        float[][] w = new float[heads * layers][];
        float[][] b = new float[heads * layers][];
        for (int i = 0; i < w.length; i++) {
            w[i] = uniform(rng, dim * dim, 1.5 / Math.sqrt(dim));
            b[i] = uniform(rng, dim, 0.5);
        }
        return new HeadParameters(heads, layers, dim, w, b);
    }

    /** Medusa's loss written the obvious way, in double: the oracle. */
    static final class PlainLoss {
        static double[] perHead(HeadParameters p, SharedLmHead e, HiddenStates data, int[] batch) {
            double[] out = new double[p.heads()];
            for (int h = 0; h < p.heads(); h++) {
                out[h] = ofHead(p, e, data, batch, h);
            }
            return out;
        }

        /** Head h's mean cross-entropy against token t+2+h. */
        static double ofHead(HeadParameters p, SharedLmHead e, HiddenStates data, int[] batch, int h) {
            int d = p.dim();
            double sum = 0;
            long count = 0;
            for (int s : batch) {
                int[] tokens = data.tokens().get(s);
                for (int t = 0; t + 2 + h < tokens.length; t++) {
                    double[] x = new double[d];
                    for (int k = 0; k < d; k++) {
                        x[k] = data.states().get(s)[t * d + k];
                    }
                    for (int l = 0; l < p.layers(); l++) {
                        float[] w = p.weight(h, l);
                        float[] b = p.bias(h, l);
                        double[] next = new double[d];
                        for (int o = 0; o < d; o++) {
                            double a = b[o];
                            for (int i = 0; i < d; i++) {
                                a += w[o * d + i] * x[i];
                            }
                            next[o] = x[o] + a / (1 + Math.exp(-a));
                        }
                        x = next;
                    }
                    double[] z = new double[e.vocab()];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < e.vocab(); v++) {
                        for (int k = 0; k < d; k++) {
                            z[v] += e.weight()[v * d + k] * x[k];
                        }
                        max = Math.max(max, z[v]);
                    }
                    double norm = 0;
                    for (double zv : z) {
                        norm += Math.exp(zv - max);
                    }
                    sum += Math.log(norm) + max - z[tokens[t + 2 + h]];
                    count++;
                }
            }
            return count == 0 ? 0 : sum / count;
        }
    }
}
