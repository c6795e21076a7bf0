package dev.signet.gateway.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The gateway's settings, {@code signet.gateway.*}: where the tenant registry answers, how long authentications are
 * cached, where residency and the shared admission state live ({@code redis-url}; empty: in this process), how long a
 * worker may take to accept a connection, and how usage reports are retried. docs/gateway.md lists each with its default.
 */
@Validated
@ConfigurationProperties("signet.gateway")
public record GatewayProperties(
        @DefaultValue("http://localhost:8092") @NotNull URI registryUrl,
        @DefaultValue("") String redisUrl,                               // empty: residency and admission in process
        @DefaultValue("signet") @NotBlank String keyPrefix,              // Redis keys (residency's too) start with it
        @DefaultValue("5s") @NotNull Duration authCacheTtl,
        @DefaultValue("1s") @NotNull Duration authNegativeCacheTtl,
        @DefaultValue("10000") @Min(1) int authCacheSize,
        @DefaultValue("2s") @NotNull Duration workerConnectTimeout,
        @DefaultValue("10m") @NotNull Duration concurrencyLease,         // a crashed gateway's slots free after this
        @Valid @NotNull @DefaultValue Usage usage,
        @DefaultValue("100") @Min(0) int maxTenantLabels) {

    public GatewayProperties {
        if (authCacheTtl != null && authCacheTtl.isNegative()) {
            throw new IllegalArgumentException("signet.gateway.auth-cache-ttl must not be negative, got " + authCacheTtl);
        }
        if (concurrencyLease != null && concurrencyLease.toMillis() < 1000) {
            throw new IllegalArgumentException("signet.gateway.concurrency-lease must be at least 1s (the longest a request may"
                    + " hold a concurrency slot), got " + concurrencyLease);
        }
    }

    public boolean usesRedis() {
        return redisUrl != null && !redisUrl.isBlank();
    }

    /**
     * Usage reports to the registry: at most {@code buffer} reports in flight (later ones are dropped and counted),
     * each retried {@code retries} times with a backoff starting at {@code backoff}.
     */
    public record Usage(
            @DefaultValue("1000") @Min(1) int buffer,
            @DefaultValue("3") @Min(0) int retries,
            @DefaultValue("200ms") @NotNull Duration backoff) {}
}
