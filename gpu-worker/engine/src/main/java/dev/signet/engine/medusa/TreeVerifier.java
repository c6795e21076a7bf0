package dev.signet.engine.medusa;

import dev.signet.engine.sampling.SamplingParams;
import java.util.SplittableRandom;

/**
 * Decides how much of a candidate tree the model agrees with, from the model's logits at every node:
 * {@code logits[offset + i * vocab + t]} is the model's logit of token t following node i (row i saw node i and
 * its ancestors). {@code tokens} holds the tree's tokens ({@link TreeCandidates}). Randomness, where a verifier
 * needs any, comes from the sequence's seeded generator, so a seed reproduces the output.
 */
public sealed interface TreeVerifier permits GreedyVerifier, TypicalVerifier, LosslessVerifier {

    AcceptedPath verify(MedusaTree tree, int[] tokens, float[] logits, int offset, int vocab, SplittableRandom random);

    /**
     * The verifier that keeps a request's output distribution exactly: greedy for temperature 0, else lossless
     * tree speculative sampling. One per sequence (it keeps buffers).
     */
    static TreeVerifier exactFor(SamplingParams params) {
        return params.isGreedy() ? new GreedyVerifier() : new LosslessVerifier(params);
    }
}
