package dev.signet.registry;

import dev.signet.registry.config.AdminCredential;
import dev.signet.registry.config.RegistryProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.PropertySource;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The Signet tenant registry: tenants, their API keys (stored hashed), their models (name → published delta), quotas
 * and usage, behind the admin API the operator and the delta store call and the internal API the gateway calls
 * (docs/platform.md, docs/tenant-registry.md). Stored in a directory or in Redis.
 * Its defaults are in {@code signet-registry.properties}, not {@code application.yml}: the all-in-one launcher puts
 * every service on one classpath, where one {@code application.yml} would configure them all.
 */
@SpringBootApplication
@PropertySource("classpath:signet-registry.properties")
@EnableConfigurationProperties({RegistryProperties.class, AdminCredential.class})
public class RegistryApplication {
    public static void main(String[] args) {
        SpringApplication.run(RegistryApplication.class, args);
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
