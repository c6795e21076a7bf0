package dev.signet.registry.config;

import dev.signet.registry.storage.RegistryStore;
import dev.signet.registry.storage.file.FileRegistryStore;
import dev.signet.registry.storage.redis.RedisRegistryStore;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The store {@code signet.registry.store} names, opened at start-up (a locked or unreadable directory fails it) and closed at shutdown. */
@Configuration(proxyBeanMethods = false)
public class StoreConfiguration {

    @Bean(destroyMethod = "close")
    RegistryStore registryStore(RegistryProperties properties) {
        return switch (properties.store()) {
            case "redis" -> new RedisRegistryStore(properties.redisUrl(), properties.keyPrefix(), properties.usageDedupWindow());
            case "file" -> FileRegistryStore.open(properties.resolvedDataDir(), properties.usageDedupWindow(), properties.usageCompactEvery());
            default -> throw new IllegalArgumentException("signet.registry.store must be file or redis, got " + properties.store());
        };
    }
}
