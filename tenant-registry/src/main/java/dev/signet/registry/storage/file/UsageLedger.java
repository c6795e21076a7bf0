package dev.signet.registry.storage.file;

import dev.signet.registry.usage.TenantUsage;
import dev.signet.registry.usage.UsageReport;
import dev.signet.registry.usage.UsageTotals;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The file store's usage in memory: totals per tenant and model, and recently counted request ids. Not thread-safe. */
final class UsageLedger {
    private final Map<String, Map<String, UsageTotals>> byTenant = new HashMap<>();
    private final Map<String, Long> seen = new HashMap<>(); // request id → when counted, epoch seconds
    private final long windowSeconds;

    UsageLedger(long windowSeconds) {
        this.windowSeconds = windowSeconds;
    }

    static UsageLedger restore(UsageSnapshot snapshot, long windowSeconds) {
        UsageLedger ledger = new UsageLedger(windowSeconds);
        snapshot.tenants().forEach((tenant, models) -> ledger.byTenant.put(tenant, new HashMap<>(models)));
        ledger.seen.putAll(snapshot.seen());
        return ledger;
    }

    boolean counted(String requestId, long now) {
        Long at = seen.get(requestId);
        return at != null && now - at < windowSeconds;
    }

    void add(UsageReport report, long at) {
        seen.put(report.requestId(), at);
        byTenant.computeIfAbsent(report.tenant(), t -> new HashMap<>())
                .merge(report.model(), UsageTotals.ZERO.plus(report), UsageTotals::plus);
    }

    void apply(JournalEntry entry) {
        switch (entry.op()) {
            case JournalEntry.USAGE -> add(entry.report(), entry.at());
            case JournalEntry.FORGET -> forget(entry.tenant());
            default -> throw new IllegalStateException("unknown usage journal operation '" + entry.op() + "'");
        }
    }

    void forget(String tenant) {
        byTenant.remove(tenant);
    }

    /** Tenants with usage but no longer in the registry (deleted by a change whose journal entry a crash cut off). */
    Set<String> tenantsOutside(Set<String> registered) {
        Set<String> stale = new TreeSet<>(byTenant.keySet());
        stale.removeAll(registered);
        return stale;
    }

    TenantUsage of(String tenant) {
        return TenantUsage.of(tenant, byTenant.getOrDefault(tenant, Map.of()));
    }

    /** The ledger to write, dropping request ids older than the window: a retry that late counts again. */
    UsageSnapshot snapshot(long nextJournal, long now) {
        seen.values().removeIf(at -> now - at >= windowSeconds);
        Map<String, Map<String, UsageTotals>> tenants = new TreeMap<>();
        byTenant.forEach((tenant, models) -> tenants.put(tenant, new TreeMap<>(models)));
        return new UsageSnapshot(UsageSnapshot.VERSION, nextJournal, tenants, new TreeMap<>(seen));
    }
}
