package dev.signet.engine.medusa;

import java.util.SplittableRandom;

/**
 * A stand-in for a language model whose next-token distribution depends on the previous token only:
 * {@code next[a][b]} = P(b | a). Its logits for a tree are one row per node, conditioned on the node's token.
 */
final class MarkovModel {
    final int vocab;
    final double[][] next;  // (vocab, vocab) rows sum to 1

    private MarkovModel(double[][] next) {
        this.vocab = next.length;
        this.next = next;
    }

    /** Random rows, each with a floor of {@code floor} per token (so no cell is too rare for a chi-square). */
    static MarkovModel random(int vocab, double floor, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] next = new double[vocab][vocab];
        for (double[] row : next) {
            double total = 0;
            for (int b = 0; b < vocab; b++) {
                row[b] = Math.exp(1.5 * rng.nextGaussian());
                total += row[b];
            }
            for (int b = 0; b < vocab; b++) {
                row[b] = floor + (1 - floor * vocab) * row[b] / total;
            }
        }
        return new MarkovModel(next);
    }

    /** Logits {@code [nodes, vocab]}: row i = ln P(· | tokens[i]). */
    float[] logits(int[] tokens) {
        float[] out = new float[tokens.length * vocab];
        for (int i = 0; i < tokens.length; i++) {
            for (int b = 0; b < vocab; b++) {
                out[i * vocab + b] = (float) Math.log(next[tokens[i]][b]);
            }
        }
        return out;
    }

    int argmax(int previous) {
        int best = 0;
        for (int b = 1; b < vocab; b++) {
            if (next[previous][b] > next[previous][best]) {
                best = b;
            }
        }
        return best;
    }
}
