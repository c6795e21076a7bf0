package dev.signet.store;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;

/** What every test of a running store shares: a client on the store's random port, and where its files and registry are. */
abstract class StoreHarness {
    @Autowired
    Environment environment;

    StoreClient store;

    @BeforeEach
    void connect() {
        store = new StoreClient(environment.getRequiredProperty("local.server.port", Integer.class));
    }

    /** The store's data folder and the fake registry it publishes to, for a test class's own context. */
    static void folders(DynamicPropertyRegistry registry, Path dataDir, FakeRegistry fake) {
        registry.add("signet.store.data-dir", dataDir::toString);
        registry.add("signet.store.registry-url", () -> fake.url().toString());
    }
}
