package dev.signet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.worker.config.WorkerProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * {@code signet.worker.medusa.*} as Spring binds and validates it, without a worker: the defaults, heads by delta
 * name and by digest, and values that stop start-up with a message naming the property.
 */
class MedusaPropertiesTest {
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(WorkerProperties.class)
    static class Properties {}

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Properties.class);

    @Test
    void defaultsLoadNoHeadsUntilDraftRowsAreGivenAndVerifyLosslessly() {
        runner.run(context -> {
            WorkerProperties.Medusa medusa = context.getBean(WorkerProperties.class).medusa();
            assertThat(medusa.enabled()).isTrue();
            assertThat(medusa.base()).as("unset: the bundled heads when the model is the bundled one").isNull();
            assertThat(medusa.deltas()).as("unset: caps' bundled heads when deltas come from the bundled folder").isNull();
            assertThat(medusa.tenantsUseBaseHeads()).isTrue();
            assertThat(medusa.draftRows()).as("off by default: on a CPU trees rarely pay").isZero();
            assertThat(medusa.verification()).isEqualTo("lossless");
            assertThat(medusa.speculates()).isFalse();
        });
    }

    @Test
    void headsBindByDeltaNameAndByDigest() {
        String digest = "ab".repeat(32);
        runner.withPropertyValues("signet.worker.medusa.base=none", "signet.worker.medusa.deltas.caps=/heads/caps",
                "signet.worker.medusa.deltas." + digest + "=/heads/other", "signet.worker.medusa.verification=typical",
                "signet.worker.medusa.tenants-use-base-heads=false", "signet.worker.medusa.draft-rows=0").run(context -> {
            WorkerProperties.Medusa medusa = context.getBean(WorkerProperties.class).medusa();
            assertThat(medusa.base()).isEqualTo("none");
            assertThat(medusa.deltas()).containsEntry("caps", "/heads/caps").containsEntry(digest, "/heads/other").hasSize(2);
            assertThat(medusa.verification()).isEqualTo("typical");
            assertThat(medusa.tenantsUseBaseHeads()).isFalse();
            assertThat(medusa.speculates()).as("0 draft rows turn speculation off").isFalse();
        });
    }

    @Test
    void invalidValuesStopStartUpNamingTheProperty() {
        assertRejected("verification", "signet.worker.medusa.verification=fast");
        assertRejected("draftRows", "signet.worker.medusa.draft-rows=-1");
        assertRejected("signet.worker.medusa.draft-rows (64) must be less than max-batch-rows (64)",
                "signet.worker.max-batch-rows=64", "signet.worker.max-running=8", "signet.worker.medusa.draft-rows=64");
        assertRejected("lower-case", "signet.worker.medusa.deltas." + "AB".repeat(32) + "=/heads");
        assertRejected("signet.worker.medusa.base", "signet.worker.medusa.base= ");
        runner.withPropertyValues("signet.worker.max-batch-rows=64", "signet.worker.max-running=8", "signet.worker.medusa.enabled=false",
                "signet.worker.medusa.draft-rows=64").run(context -> assertThat(context).as("speculation off: rows unchecked").hasNotFailed());
    }

    private void assertRejected(String message, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            StringBuilder messages = new StringBuilder();
            for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append('\n');
            }
            assertThat(messages.toString()).as("start-up failure for %s", String.join(", ", properties)).contains(message);
        });
    }
}
