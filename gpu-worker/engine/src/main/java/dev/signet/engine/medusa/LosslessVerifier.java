package dev.signet.engine.medusa;

import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.sampling.TokenDistribution;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Tree verification for sampled requests that keeps the model's own distribution exactly and keeps seeds
 * reproducible whatever tree ran. Walking down from the root, the model's token at each node is drawn from its
 * distribution there after the request's warping ({@link TokenDistribution}: temperature, top-k, top-p) with the
 * sequence's own generator — exactly the draw plain sampling makes for that position — and the walk goes on into
 * the child that drafted that very token, or stops and emits the drawn token as the bonus. Every emitted token
 * costs one draw, in order, so a seeded request emits what it would without speculation, at any load. For
 * deterministic drafts (top-k candidates) a child is taken with probability p(x) given its earlier siblings
 * missed, the acceptance of SpecInfer's multi-draft speculative sampling. One per sequence.
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
            int drawn = distribution.draw(random);
            int next = -1;
            for (int c : tree.children(node)) {
                if (tokens[c] == drawn) {
                    next = c;
                    break;
                }
            }
            if (next < 0) {
                return new AcceptedPath(Arrays.copyOf(path, length), drawn);
            }
            path[length++] = next;
            node = next;
        }
    }
}
