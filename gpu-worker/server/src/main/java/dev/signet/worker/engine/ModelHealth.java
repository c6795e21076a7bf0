package dev.signet.worker.engine;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The model's part in the Kubernetes probes, as health indicators in the probe groups (signet-worker.properties): the
 * readiness group includes {@code model}, out of service until the model serves (and again while stopping); the
 * liveness group includes {@code modelLoad}, down once a load has failed, so the orchestrator restarts the worker.
 * Indicators are read at probe time, so no start-up event can overwrite them.
 */
@Configuration(proxyBeanMethods = false)
public class ModelHealth {

    @Bean
    HealthIndicator modelHealthIndicator(WorkerEngine engine) {
        return () -> switch (engine.status()) {
            case "ready" -> Health.up().build();
            case "failed" -> Health.outOfService().withDetail("error", engine.loadFailure().orElse("")).build();
            default -> Health.outOfService().withDetail("status", engine.status()).build();
        };
    }

    @Bean
    HealthIndicator modelLoadHealthIndicator(WorkerEngine engine) {
        return () -> engine.loadFailure().map(error -> Health.down().withDetail("error", error).build())
                .orElseGet(() -> Health.up().build());
    }
}
