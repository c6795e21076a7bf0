package dev.signet.engine.sampling;

import java.util.SplittableRandom;

/**
 * Picks the next token of one sequence from its logits: argmax when greedy, otherwise a draw from the seeded
 * generator out of its {@link TokenDistribution} (temperature, then top-k, then top-p, the order of Hugging
 * Face's logits warpers). Each sequence has its own sampler, so a seed reproduces its tokens whatever else is
 * batched.
 */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;
    private final TokenDistribution distribution;

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed().orElseGet(() -> new SplittableRandom().nextLong()));
        this.distribution = new TokenDistribution(params);
    }

    /** Chooses a token from {@code logits[offset .. offset + vocab)}. */
    public int sample(float[] logits, int offset, int vocab) {
        distribution.set(logits, offset, vocab);
        return distribution.draw(random);
    }

    /**
     * This sequence's next token as a {@link RowSampling}, for a backend that samples where the logits are: takes
     * the stream's draw now, exactly as {@link #sample} would (one {@code nextDouble()}, none when greedy).
     */
    public RowSampling nextDraw() {
        return new RowSampling(params, params.isGreedy() ? 0 : random.nextDouble());
    }

    public SamplingParams params() {
        return params;
    }

    /** The sequence's seeded stream: speculative verification draws from it too, so a seed reproduces the output. */
    public SplittableRandom random() {
        return random;
    }

    /** Index of the largest value; the first one on ties, as torch.argmax. */
    public static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        float bestValue = logits[offset];
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > bestValue) {
                bestValue = logits[offset + i];
                best = i;
            }
        }
        return best;
    }
}
