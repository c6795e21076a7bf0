package dev.signet.registry.usage;

/** Requests and tokens summed over some reports. */
public record UsageTotals(long requests, long promptTokens, long completionTokens) {
    public static final UsageTotals ZERO = new UsageTotals(0, 0, 0);

    public UsageTotals plus(UsageTotals other) {
        return new UsageTotals(requests + other.requests, promptTokens + other.promptTokens, completionTokens + other.completionTokens);
    }

    public UsageTotals plus(UsageReport report) {
        return plus(new UsageTotals(1, report.promptTokens(), report.completionTokens()));
    }
}
