package dev.signet.gateway;

import dev.signet.gateway.config.GatewayProperties;
import dev.signet.gateway.config.PlatformCredentials;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The Signet gateway: the public OpenAI-compatible API (docs/gateway.md). It authenticates tenants' API keys through
 * the tenant registry, admits requests within each tenant's quota, routes them to a worker that holds the tenant's
 * delta (residency), streams the worker's tokens back as OpenAI responses and reports usage to the registry.
 */
@SpringBootApplication
@EnableConfigurationProperties({GatewayProperties.class, PlatformCredentials.class})
public class GatewayApplication {
    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
    }
}
