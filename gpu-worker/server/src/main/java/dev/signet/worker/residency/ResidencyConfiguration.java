package dev.signet.worker.residency;

import dev.signet.residency.InProcessResidencyRegistry;
import dev.signet.residency.RedisResidencyRegistry;
import dev.signet.residency.ResidencyRegistry;
import dev.signet.worker.config.WorkerProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Where residency reports go: Redis at {@code signet.worker.residency.redis-url}, shared with the gateways of a
 * deployment; or, with no URL, a registry in this process. The all-in-one launcher ({@code ./signet up}) gives its
 * services one in-process registry from a parent context, which this bean then yields to, so its gateway reads what
 * the worker reports.
 */
@Configuration(proxyBeanMethods = false)
public class ResidencyConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    ResidencyRegistry residencyRegistry(WorkerProperties props) {
        WorkerProperties.Residency r = props.residency();
        return r.usesRedis() ? new RedisResidencyRegistry(r.redisUrl(), r.keyPrefix()) : new InProcessResidencyRegistry();
    }
}
