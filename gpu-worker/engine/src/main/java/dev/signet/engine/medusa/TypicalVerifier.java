package dev.signet.engine.medusa;

import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.sampling.TokenDistribution;
import java.util.SplittableRandom;

/**
 * Medusa-2's typical acceptance (Cai et al. 2024, "Medusa", typical acceptance): a child is accepted when its
 * token's probability under the model at its parent, softmax(logits / T), exceeds min(ε, α · exp(−H)), H being
 * that distribution's entropy; the longest path of accepted nodes wins, the likelier one (sum of log
 * probabilities) on a tie, and the bonus token is drawn from the model at its end with the request's warping.
 * This is Medusa's {@code evaluate_posterior} (FasterDecoding/Medusa, {@code medusa/model/utils.py}), whose
 * entropy is −Σ p · ln(p + 1e-5) and whose defaults, {@code posterior_threshold} ε = 0.09 and
 * {@code posterior_alpha} α = 0.3, are set in {@code MedusaModel.medusa_generate} (α "recommended to be
 * sqrt(posterior_threshold)"; the threshold itself has no square root). Faster than {@link LosslessVerifier} at
 * the cost of exactness: it accepts plausible tokens, not tokens distributed as the model's samples. Temperature
 * 0 is plain greedy verification, as in Medusa. One per sequence.
 */
public final class TypicalVerifier implements TreeVerifier {
    public static final double DEFAULT_POSTERIOR_THRESHOLD = 0.09;
    public static final double DEFAULT_POSTERIOR_ALPHA = 0.3;
    /** Medusa adds this inside the logarithm of its entropy. */
    private static final double ENTROPY_EPSILON = 1e-5;

    private final SamplingParams params;
    private final double posteriorThreshold;  // ε
    private final double posteriorAlpha;      // α
    private final TokenDistribution bonus;
    private double[] probs = new double[0];   // (vocab) softmax(logits / T) of the node being checked

    public TypicalVerifier(SamplingParams params) {
        this(params, DEFAULT_POSTERIOR_THRESHOLD, DEFAULT_POSTERIOR_ALPHA);
    }

    public TypicalVerifier(SamplingParams params, double posteriorThreshold, double posteriorAlpha) {
        if (!(posteriorThreshold >= 0 && posteriorThreshold <= 1) || !(posteriorAlpha >= 0)) {
            throw new IllegalArgumentException("posterior threshold must be in [0, 1] and alpha >= 0, got "
                    + posteriorThreshold + " and " + posteriorAlpha);
        }
        this.params = params;
        this.posteriorThreshold = posteriorThreshold;
        this.posteriorAlpha = posteriorAlpha;
        this.bonus = new TokenDistribution(params);
    }

    @Override
    public AcceptedPath verify(MedusaTree tree, int[] tokens, float[] logits, int offset, int vocab, SplittableRandom random) {
        if (params.isGreedy()) {
            return new GreedyVerifier().verify(tree, tokens, logits, offset, vocab, random);
        }
        tree.requireRows(tokens, logits, offset, vocab);
        int n = tree.size();
        boolean[] accepted = new boolean[n];
        double[] logLikelihood = new double[n];
        accepted[0] = true;
        int best = 0;
        // Parents come before children, so one pass settles every node; rows under a rejected node are never read.
        for (int node = 0; node < n; node++) {
            if (!accepted[node] || tree.childCount(node) == 0) {
                continue;
            }
            double threshold = softmaxAndThreshold(logits, offset + node * vocab, vocab);
            for (int c : tree.children(node)) {
                double p = probs[tokens[c]];
                if (p > threshold) {
                    accepted[c] = true;
                    logLikelihood[c] = logLikelihood[node] + Math.log(p);
                    if (tree.depth(c) > tree.depth(best)
                            || (tree.depth(c) == tree.depth(best) && logLikelihood[c] > logLikelihood[best])) {
                        best = c;
                    }
                }
            }
        }
        bonus.set(logits, offset + best * vocab, vocab);
        return new AcceptedPath(tree.pathTo(best), bonus.draw(random));
    }

    /** Fills {@link #probs} with softmax(row / T) and returns min(ε, α · exp(−H)). */
    private double softmaxAndThreshold(float[] logits, int row, int vocab) {
        if (probs.length < vocab) {
            probs = new double[vocab];
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < vocab; t++) {
            max = Math.max(max, logits[row + t]);
        }
        if (!Float.isFinite(max)) {
            throw new IllegalStateException("logits are not finite (largest " + max + "): the model produced NaN or infinity");
        }
        double invT = 1.0 / params.temperature();
        double total = 0;
        for (int t = 0; t < vocab; t++) {
            probs[t] = Math.exp((logits[row + t] - max) * invT);
            total += probs[t];
        }
        double entropy = 0;
        for (int t = 0; t < vocab; t++) {
            probs[t] /= total;
            entropy -= probs[t] * Math.log(probs[t] + ENTROPY_EPSILON);
        }
        return Math.min(posteriorThreshold, posteriorAlpha * Math.exp(-entropy));
    }
}
