package dev.signet.store;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The running store the API tests share (one application context, cached across the classes that extend this): the
 * bundled stories260K base, a fresh data folder, a {@link FakeRegistry}, random ports, and a lenient gate so that the
 * tiny caps fine-tune (whose one-bit delta loses much of its gain) can be published; {@link QualityGateTest} runs
 * the default gate.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "management.server.port=0",
        "signet.admin-token=" + StoreTestFiles.ADMIN_TOKEN,
        "signet.store.gate.max-perplexity-ratio=1000",
        "signet.store.gate.max-kl=100",
})
abstract class RunningStore {
    static final FakeRegistry REGISTRY = new FakeRegistry();
    static final Path DATA_DIR = StoreTestFiles.scratch("store-");

    @DynamicPropertySource
    static void folders(DynamicPropertyRegistry registry) {
        registry.add("signet.store.data-dir", DATA_DIR::toString);
        registry.add("signet.store.registry-url", () -> REGISTRY.url().toString());
    }

    @Autowired
    Environment environment;

    StoreClient store;

    @BeforeEach
    void connect() {
        store = new StoreClient(environment.getRequiredProperty("local.server.port", Integer.class));
    }
}
