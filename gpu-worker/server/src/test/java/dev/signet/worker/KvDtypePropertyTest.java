package dev.signet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.worker.config.WorkerProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** {@code signet.worker.kv-dtype} as Spring binds and validates it: float32 by default, fp16 only on the CUDA backend. */
class KvDtypePropertyTest {
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(WorkerProperties.class)
    static class Properties {}

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Properties.class);

    @Test
    void float32ByDefaultAndFp16OnTheCudaBackend() {
        runner.run(context -> assertThat(context.getBean(WorkerProperties.class).kvDtype()).isEqualTo("f32"));
        runner.withPropertyValues("signet.worker.backend=cuda", "signet.worker.kv-dtype=f16")
                .run(context -> assertThat(context.getBean(WorkerProperties.class).kvDtype()).isEqualTo("f16"));
    }

    @Test
    void fp16OnAHostBackendOrAnotherTypeStopsStartUpNamingTheProperty() {
        runner.withPropertyValues("signet.worker.kv-dtype=f16").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("signet.worker.kv-dtype=f16 needs signet.worker.backend=cuda");
        });
        runner.withPropertyValues("signet.worker.backend=cuda", "signet.worker.kv-dtype=bf16").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("must be f32 or f16");
        });
    }
}
