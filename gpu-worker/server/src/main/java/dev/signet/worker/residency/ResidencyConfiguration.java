package dev.signet.worker.residency;

import dev.signet.residency.InProcessResidencyRegistry;
import dev.signet.residency.RedisResidencyRegistry;
import dev.signet.residency.ResidencyRegistry;
import dev.signet.worker.config.WorkerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Where residency reports go: Redis at {@code signet.worker.residency.redis-url}, shared with the gateways of a
 * deployment; or, with no URL, a registry in this process, which an all-in-one launcher's gateway reads directly.
 */
@Configuration(proxyBeanMethods = false)
public class ResidencyConfiguration {

    @Bean(destroyMethod = "close")
    ResidencyRegistry residencyRegistry(WorkerProperties props) {
        WorkerProperties.Residency r = props.residency();
        return r.usesRedis() ? new RedisResidencyRegistry(r.redisUrl(), r.keyPrefix()) : new InProcessResidencyRegistry();
    }
}
