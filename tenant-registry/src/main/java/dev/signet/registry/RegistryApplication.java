package dev.signet.registry;

import dev.signet.registry.config.AdminCredential;
import dev.signet.registry.config.RegistryProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The Signet tenant registry: tenants, their API keys (stored hashed), their models (name → published delta), quotas
 * and usage, behind the admin API the operator and the delta store call and the internal API the gateway calls
 * (docs/platform.md, docs/tenant-registry.md). Stored in a directory or in Redis.
 */
@SpringBootApplication
@EnableConfigurationProperties({RegistryProperties.class, AdminCredential.class})
public class RegistryApplication {
    public static void main(String[] args) {
        SpringApplication.run(RegistryApplication.class, args);
    }
}
