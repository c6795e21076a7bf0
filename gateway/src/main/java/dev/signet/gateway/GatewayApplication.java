package dev.signet.gateway;

import dev.signet.gateway.config.GatewayProperties;
import dev.signet.gateway.config.PlatformCredentials;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.PropertySource;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The Signet gateway: the public OpenAI-compatible API (docs/gateway.md). It authenticates tenants' API keys through
 * the tenant registry, admits requests within each tenant's quota, routes them to a worker that holds the tenant's
 * delta (residency), streams the worker's tokens back as OpenAI responses and reports usage to the registry.
 * Its defaults are in {@code signet-gateway.properties}, not {@code application.yml}: the all-in-one launcher puts
 * every service on one classpath, where one {@code application.yml} would configure them all.
 */
@SpringBootApplication
@PropertySource("classpath:signet-gateway.properties")
@EnableConfigurationProperties({GatewayProperties.class, PlatformCredentials.class})
public class GatewayApplication {
    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
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
