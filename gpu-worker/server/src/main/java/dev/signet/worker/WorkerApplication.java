package dev.signet.worker;

import dev.signet.worker.config.WorkerProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.PropertySource;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The Signet worker: one engine (one base model, a delta cache, a continuous-batching scheduler) behind the internal
 * HTTP API the gateway calls (docs/worker-api.md), with health probes and Prometheus metrics on the management port.
 * Run it with {@code ./signet worker}, which adds the JVM flags the engine needs.
 * Its defaults are in {@code signet-worker.properties}, not {@code application.yml}: the all-in-one launcher puts
 * every service on one classpath, where one {@code application.yml} would configure them all.
 */
@SpringBootApplication
@PropertySource("classpath:signet-worker.properties")
@EnableConfigurationProperties(WorkerProperties.class)
public class WorkerApplication {
    public static void main(String[] args) {
        SpringApplication.run(WorkerApplication.class, args);
    }

    /**
     * Reactor Netty event loops of this context's own, not the JVM's global ones: closing a context disposes its
     * factory's loops, and with global loops that would stop every other service in the same JVM (the all-in-one
     * mode's, a test's).
     */
    @Bean
    ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory resources = new ReactorResourceFactory();
        resources.setUseGlobalResources(false);
        return resources;
    }
}
