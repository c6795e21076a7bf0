package dev.signet.registry.storage.file;

import dev.signet.registry.usage.UsageTotals;
import java.util.Map;

/**
 * {@code usage.json}: every tenant's usage per model, the request ids counted within the deduplication window (id →
 * epoch seconds), and the first journal generation not folded in yet: journals before it are already counted here.
 */
record UsageSnapshot(int version, long nextJournal, Map<String, Map<String, UsageTotals>> tenants, Map<String, Long> seen) {
    static final int VERSION = 1;
}
