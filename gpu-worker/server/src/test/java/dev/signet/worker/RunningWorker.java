package dev.signet.worker;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The running worker that the API tests share (one application context, cached by Spring across the test classes
 * that extend this): the bundled stories260K base and demo deltas on the CPU backend, on random ports, residency in
 * process, deltas from a copy of the bundled folder plus a broken artifact, and Medusa on: the base drafts with its
 * bundled heads (the default for the bundled model) and caps, named in {@code medusa.deltas}, with its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "management.server.port=0",
        "signet.worker.threads=2",
        "signet.worker.max-batch-rows=64",
        "signet.worker.kv-blocks=128",
        "signet.worker.max-running=16",
        "signet.worker.cache.device-slots=2",
        "signet.worker.metrics.max-tenant-labels=2",
})
abstract class RunningWorker {
    static final String PROMPT = "Once upon a time";
    static final Path DELTA_DIR = WorkerTestFiles.deltaDirWithBrokenArtifact();
    static final Path DISK_CACHE = WorkerTestFiles.scratch("delta-cache-");
    static final Path CAPS_HEADS = WorkerTestFiles.repo().resolve("models/medusa/caps");

    @DynamicPropertySource
    static void folders(DynamicPropertyRegistry registry) {
        registry.add("signet.worker.delta-dir", DELTA_DIR::toString);
        registry.add("signet.worker.cache.disk-dir", DISK_CACHE::toString);
        registry.add("signet.worker.medusa.deltas.caps", CAPS_HEADS::toString);   // by name: the copy is not the bundled folder
        registry.add("signet.worker.medusa.draft-rows", () -> "16");
        registry.add("signet.worker.medusa.adaptive", () -> "false");   // fixed trees: the tests count their steps
    }

    @Autowired
    Environment environment;

    WorkerClient worker;

    @BeforeEach
    void connect() {
        worker = new WorkerClient(environment.getRequiredProperty("local.server.port", Integer.class),
                environment.getRequiredProperty("local.management.port", Integer.class));
        worker.awaitReady();
    }

    static Map<String, Object> body(Object... keyValues) {
        Map<String, Object> body = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            body.put((String) keyValues[i], keyValues[i + 1]);
        }
        return body;
    }
}
