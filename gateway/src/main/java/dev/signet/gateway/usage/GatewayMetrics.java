package dev.signet.gateway.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The gateway's Prometheus series: {@code signet_gateway_requests_total{tenant,outcome}} (outcome {@code ok},
 * {@code cancelled}, {@code error}, {@code rejected}), {@code signet_gateway_prompt_tokens_total{tenant}},
 * {@code signet_gateway_completion_tokens_total{tenant}} and {@code signet_gateway_usage_dropped_total}, with the
 * tenant label bounded by {@link TenantLabels}.
 */
public final class GatewayMetrics {
    private final MeterRegistry registry;
    private final TenantLabels tenants;

    public GatewayMetrics(MeterRegistry registry, int maxTenantLabels) {
        this.registry = registry;
        this.tenants = new TenantLabels(maxTenantLabels);
    }

    public void request(String tenant, String outcome, long promptTokens, long completionTokens) {
        String label = tenants.of(tenant);
        Counter.builder("signet_gateway_requests").tag("tenant", label).tag("outcome", outcome)
                .description("requests by tenant and how they ended").register(registry).increment();
        if (promptTokens > 0) {
            Counter.builder("signet_gateway_prompt_tokens").tag("tenant", label).description("prompt tokens by tenant")
                    .register(registry).increment(promptTokens);
        }
        if (completionTokens > 0) {
            Counter.builder("signet_gateway_completion_tokens").tag("tenant", label).description("completion tokens by tenant")
                    .register(registry).increment(completionTokens);
        }
    }

    public void usageDropped() {
        Counter.builder("signet_gateway_usage_dropped").description("usage reports the registry never received")
                .register(registry).increment();
    }
}
