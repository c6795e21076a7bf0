package dev.signet.worker.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the cardinality of per-tenant series: the first {@code max} tenants seen keep their own label for the life
 * of the process, every later one is counted under {@value #OTHER}. A Prometheus series per tenant is fine for a
 * hundred tenants and ruinous for a hundred thousand.
 */
public final class TenantLabels {
    public static final String OTHER = "other";

    private final int max;
    private final Set<String> labelled = ConcurrentHashMap.newKeySet();

    public TenantLabels(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max tenant labels must be >= 0, got " + max);
        }
        this.max = max;
    }

    /** The tenant's label value: the tenant itself, or {@value #OTHER} once {@code max} other tenants have labels. */
    public String of(String tenant) {
        if (labelled.contains(tenant)) {
            return tenant;
        }
        synchronized (this) {
            if (labelled.size() < max) {
                labelled.add(tenant);
                return tenant;
            }
        }
        return OTHER;
    }
}
