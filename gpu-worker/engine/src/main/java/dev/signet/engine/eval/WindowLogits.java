package dev.signet.engine.eval;

import dev.signet.engine.model.StepLogits;

/**
 * One window's logits from one model: row i (i = 0 .. length−1) is the distribution over the token at
 * position i + 1, so rows 0 .. length−2 are scored. A view into the step's host buffer, valid while the
 * listener that received it runs.
 */
public record WindowLogits(int[] tokens, StepLogits step, int chunk) {

    public int vocab() {
        return step.vocab();
    }

    /** The step's buffer; row i of this window starts at {@link #offset(int)}. */
    public float[] values() {
        return step.values();
    }

    public int offset(int row) {
        return step.offset(chunk, row);
    }

    /** −log p(tokens[row + 1] | tokens[0 .. row]) in nats. */
    public double nll(int row) {
        return LogSoftmax.nll(values(), offset(row), vocab(), tokens[row + 1]);
    }
}
