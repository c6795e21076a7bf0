package dev.signet.registry.storage.file;

import dev.signet.registry.usage.UsageReport;

/**
 * One line of the usage journal: a counted report ({@value #USAGE}) or the end of a deleted tenant's usage
 * ({@value #FORGET}, only {@code tenant} set); {@code at} is when it happened, epoch seconds.
 */
record JournalEntry(String op, String requestId, String tenant, String model, long promptTokens, long completionTokens, long at) {
    static final String USAGE = "usage";
    static final String FORGET = "forget";

    static JournalEntry usage(UsageReport report, long at) {
        return new JournalEntry(USAGE, report.requestId(), report.tenant(), report.model(), report.promptTokens(),
                report.completionTokens(), at);
    }

    static JournalEntry forget(String tenant, long at) {
        return new JournalEntry(FORGET, null, tenant, null, 0, 0, at);
    }

    UsageReport report() {
        return new UsageReport(requestId, tenant, model, promptTokens, completionTokens);
    }
}
