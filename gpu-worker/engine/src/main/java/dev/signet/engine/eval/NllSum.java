package dev.signet.engine.eval;

/** A running sum of one model's next-token NLL over the scored rows of windows, in double. */
final class NllSum {
    private double sum;
    private long tokens;
    private int windows;

    void add(WindowLogits w) {
        for (int row = 0; row < w.tokens().length - 1; row++) {
            sum += w.nll(row);
        }
        tokens += w.tokens().length - 1;
        windows++;
    }

    Perplexity result() {
        return Perplexity.of(sum, tokens, windows);
    }
}
