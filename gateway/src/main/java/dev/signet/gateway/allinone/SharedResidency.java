package dev.signet.gateway.allinone;

import dev.signet.residency.InProcessResidencyRegistry;
import dev.signet.residency.ResidencyRegistry;
import org.springframework.context.annotation.Bean;

/**
 * The parent context of the all-in-one services: what they must share inside one process. The worker publishes its
 * residency into this registry and the gateway routes by it, as they share Redis when deployed apart. Not a
 * {@code @Configuration}, so the gateway's component scan never picks it up on its own.
 */
public class SharedResidency {
    @Bean(destroyMethod = "close")
    ResidencyRegistry residencyRegistry() {
        return new InProcessResidencyRegistry();
    }
}
