package dev.signet.engine.medusa;

import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.sampling.TokenDistribution;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Tree speculative sampling that keeps the model's own distribution exactly (SpecInfer's multi-step speculative
 * sampling, Miao et al. 2024, with deterministic drafts). At node n, with p the model's distribution there after
 * the request's warping (temperature, top-k, top-p: {@link TokenDistribution}), the children are tried in order:
 * a draft token x is accepted with probability p(x); on rejection p(x) is set to 0 and p renormalised before the
 * next child. With p_j = p less x_1 .. x_{j-1}, renormalised, child j is taken with probability
 * Π_{i<j} (1 − p_i(x_i)) · p_j(x_j) = p(x_j) (the product telescopes), so each draft comes out exactly as often
 * as the model would sample it, and a repeated sibling token, already at 0, is never taken. If every child is
 * rejected the bonus token is drawn from the residual p, which holds just the mass of the tokens not drafted;
 * after an accepted leaf it is drawn from the leaf's full distribution. Only the rows along the path are warped.
 * One per sequence.
 */
public final class LosslessVerifier implements TreeVerifier {
    private final TokenDistribution distribution;

    public LosslessVerifier(SamplingParams params) {
        this.distribution = new TokenDistribution(params);
    }

    @Override
    public AcceptedPath verify(MedusaTree tree, int[] tokens, float[] logits, int offset, int vocab, SplittableRandom random) {
        tree.requireRows(tokens, logits, offset, vocab);
        int[] path = new int[tree.maxDepth() + 1];
        int length = 1;
        int node = 0;
        while (true) {
            distribution.set(logits, offset + node * vocab, vocab);
            int next = -1;
            for (int c : tree.children(node)) {
                if (accepts(tokens[c], random)) {
                    next = c;
                    break;
                }
                distribution.exclude(tokens[c]);
            }
            if (next < 0) {
                return new AcceptedPath(Arrays.copyOf(path, length), distribution.draw(random));
            }
            path[length++] = next;
            node = next;
        }
    }

    /** Accepts {@code token} with its probability under what is left of p; certain outcomes draw nothing. */
    private boolean accepts(int token, SplittableRandom random) {
        double p = distribution.probability(token);
        return p >= 1 || (p > 0 && random.nextDouble() < p);
    }
}
