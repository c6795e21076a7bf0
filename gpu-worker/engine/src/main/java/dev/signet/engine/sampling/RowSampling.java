package dev.signet.engine.sampling;

/**
 * How to pick one row's token where its logits are (on the device, for {@code Backend.sample}): the request's
 * parameters and the uniform draw in [0, 1) its seeded stream gave for this token (unused when greedy). The token is
 * the one {@link Sampler#sample} picks from the same logits when its stream yields {@code uniform}, so a seed gives
 * the same tokens wherever the row is sampled.
 */
public record RowSampling(SamplingParams params, double uniform) {
    public RowSampling {
        if (!(uniform >= 0 && uniform < 1)) {
            throw new IllegalArgumentException("a uniform draw must be in [0, 1), got " + uniform);
        }
    }

    /** The token for {@code logits[offset .. offset + vocab)}, picked on the host by {@link TokenDistribution}. */
    public int pick(float[] logits, int offset, int vocab) {
        TokenDistribution distribution = new TokenDistribution(params);
        distribution.set(logits, offset, vocab);
        return distribution.drawAt(uniform);
    }
}
