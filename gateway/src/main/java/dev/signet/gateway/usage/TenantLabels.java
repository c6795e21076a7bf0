package dev.signet.gateway.usage;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the label values of per-tenant series: the first {@code max} tenants keep their own for the life of the
 * process, later ones share {@value #OTHER}, so a platform with many tenants cannot blow up Prometheus.
 */
final class TenantLabels {
    static final String OTHER = "other";

    private final int max;
    private final Set<String> labelled = ConcurrentHashMap.newKeySet();

    TenantLabels(int max) {
        this.max = max;
    }

    synchronized String of(String tenant) {
        if (labelled.contains(tenant) || labelled.size() < max && labelled.add(tenant)) {
            return tenant;
        }
        return OTHER;
    }
}
