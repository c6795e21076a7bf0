package dev.signet.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** Start-up refuses a registry that would be unsafe or broken, and says why. */
class RegistryStartupTest {

    @Test
    void refusesToStartWithoutAnAdminToken() {
        Path dir = TestDirs.create("registry-start-");
        assertThatThrownBy(() -> new SpringApplicationBuilder(RegistryApplication.class)
                .run("--server.port=0", "--management.server.port=0", "--signet.registry.data-dir=" + dir))
                .satisfies(e -> assertThat(causes(e)).contains("signet.admin-token").contains("SIGNET_ADMIN_TOKEN"));
    }

    @Test
    void refusesTheRedisStoreWithoutARedisUrl() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(RegistryApplication.class)
                .run("--server.port=0", "--management.server.port=0", "--signet.admin-token=t", "--signet.registry.store=redis"))
                .satisfies(e -> assertThat(causes(e)).contains("signet.registry.redis-url"));
    }

    @Test
    void refusesADataDirectoryAnotherRegistryHolds() {
        Path dir = TestDirs.create("registry-start-");
        try (RunningRegistry first = RunningRegistry.start(List.of("--signet.registry.data-dir=" + dir))) {
            assertThatThrownBy(() -> RunningRegistry.start(List.of("--signet.registry.data-dir=" + dir)))
                    .satisfies(e -> assertThat(causes(e)).contains("in use by another registry"));
            first.admin.get().uri("/admin/v1/tenants").exchange().expectStatus().isOk();
        }
    }

    private static String causes(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }
}
