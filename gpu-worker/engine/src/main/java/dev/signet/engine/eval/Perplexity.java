package dev.signet.engine.eval;

import java.util.List;

/**
 * A model's perplexity on eval windows: {@code exp(meanNll)}, where {@code meanNll} is the mean next-token
 * negative log-likelihood in nats over the {@code tokensScored} predicted positions of {@code windows}
 * windows. Field names read as JSON keys.
 */
public record Perplexity(double perplexity, double meanNll, long tokensScored, int windows) {

    static Perplexity of(double nllSum, long tokens, int windows) {
        double mean = nllSum / tokens;
        return new Perplexity(Math.exp(mean), mean, tokens, windows);
    }

    /** Runs {@code model} over every window and scores each window's next-token predictions. */
    public static Perplexity measure(ModelVariant model, EvalWindows windows) {
        NllSum nll = new NllSum();
        WindowRunner.run(List.of(model), windows, (index, logits) -> nll.add(logits.getFirst()));
        return nll.result();
    }
}
