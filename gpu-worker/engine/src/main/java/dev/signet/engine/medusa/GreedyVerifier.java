package dev.signet.engine.medusa;

import dev.signet.engine.sampling.Sampler;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Temperature 0: from the root, follow the child whose token is the model's argmax at its parent, the first such
 * child in node order; the bonus token is the argmax at the last accepted node. The output is exactly what plain
 * greedy decoding would produce, a node's row having seen exactly the tokens greedy decoding would have fed.
 * Uses no randomness.
 */
public final class GreedyVerifier implements TreeVerifier {

    @Override
    public AcceptedPath verify(MedusaTree tree, int[] tokens, float[] logits, int offset, int vocab, SplittableRandom random) {
        tree.requireRows(tokens, logits, offset, vocab);
        int[] path = new int[tree.maxDepth() + 1];
        int length = 1;
        int node = 0;
        while (true) {
            int row = offset + node * vocab;
            int best = Sampler.argmax(logits, row, vocab);
            if (!Float.isFinite(logits[row + best])) {
                throw new IllegalStateException("logits of tree node " + node + " are not finite: the model produced NaN or infinity");
            }
            int next = -1;
            for (int c : tree.children(node)) {
                if (tokens[c] == best) {
                    next = c;
                    break;
                }
            }
            if (next < 0) {
                return new AcceptedPath(Arrays.copyOf(path, length), best);
            }
            path[length++] = next;
            node = next;
        }
    }
}
