package dev.signet.store;

import java.nio.file.Path;
import org.springframework.boot.test.context.SpringBootTest;
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
abstract class RunningStore extends StoreHarness {
    static final FakeRegistry REGISTRY = new FakeRegistry();
    static final Path DATA_DIR = StoreTestFiles.scratch("store-");

    @DynamicPropertySource
    static void folders(DynamicPropertyRegistry registry) {
        StoreHarness.folders(registry, DATA_DIR, REGISTRY);
    }
}
