package dev.signet.registry.usage;

import java.util.Map;
import java.util.TreeMap;

/** A tenant's usage since it was created, in total and per model name. */
public record TenantUsage(String tenant, long requests, long promptTokens, long completionTokens, Map<String, UsageTotals> byModel) {

    /** The totals of {@code byModel}, whose keys are model names. */
    public static TenantUsage of(String tenant, Map<String, UsageTotals> byModel) {
        UsageTotals total = byModel.values().stream().reduce(UsageTotals.ZERO, UsageTotals::plus);
        return new TenantUsage(tenant, total.requests(), total.promptTokens(), total.completionTokens(), new TreeMap<>(byModel));
    }
}
