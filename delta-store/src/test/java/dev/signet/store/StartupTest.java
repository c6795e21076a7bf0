package dev.signet.store;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** The store refuses to start without the admin credential, and says which setting is missing. */
class StartupTest {

    @Test
    void refusesToStartWithoutTheAdminCredential() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(StoreApplication.class)
                .properties("server.port=0", "management.server.port=0",
                        "signet.store.data-dir=" + StoreTestFiles.scratch("store-no-token-"))
                .run().close())
                .rootCause().hasMessageContaining("signet.admin-token is not set");
    }
}
