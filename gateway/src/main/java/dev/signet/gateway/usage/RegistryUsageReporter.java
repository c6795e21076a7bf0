package dev.signet.gateway.usage;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.util.retry.Retry;

/**
 * Posts usage to the registry's {@code /internal/v1/usage} in the background, retrying a failed post with backoff
 * (the registry counts a {@code request_id} once, so a retry after a lost answer does not double-bill). At most
 * {@code buffer} reports are in flight; beyond that, and after the last retry, a report is dropped, logged and counted
 * by {@link GatewayMetrics#usageDropped()}: billing must never stall serving.
 */
public final class RegistryUsageReporter implements UsageReporter {
    private static final Logger log = LoggerFactory.getLogger(RegistryUsageReporter.class);

    private final WebClient registry;
    private final Semaphore inFlight;
    private final int retries;
    private final Duration backoff;
    private final GatewayMetrics metrics;

    public RegistryUsageReporter(WebClient registry, int buffer, int retries, Duration backoff, GatewayMetrics metrics) {
        this.registry = registry;
        this.inFlight = new Semaphore(buffer);
        this.retries = retries;
        this.backoff = backoff;
        this.metrics = metrics;
    }

    @Override
    public void report(UsageRecord usage) {
        if (!inFlight.tryAcquire()) {
            log.warn("usage buffer full: dropped usage of request {} ({} prompt + {} completion tokens of tenant {})",
                    usage.requestId(), usage.promptTokens(), usage.completionTokens(), usage.tenant());
            metrics.usageDropped();
            return;
        }
        registry.post().uri("/internal/v1/usage").contentType(MediaType.APPLICATION_JSON).bodyValue(usage)
                .retrieve().toBodilessEntity()
                .retryWhen(Retry.backoff(retries, backoff))
                .doFinally(signal -> inFlight.release())
                .subscribe(ok -> { }, e -> {
                    log.warn("usage of request {} (tenant {}) not recorded after {} retries: {}", usage.requestId(),
                            usage.tenant(), retries, e.toString());
                    metrics.usageDropped();
                });
    }
}
