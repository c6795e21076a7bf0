package dev.signet.engine.generate;

/** Time spent and tokens processed in the prefill steps and in the decode steps of one generation run. */
public record GenerationStats(int prefillTokens, long prefillNanos, int decodeTokens, long decodeNanos) {

    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : prefillTokens * 1e9 / prefillNanos;
    }

    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : decodeTokens * 1e9 / decodeNanos;
    }
}
