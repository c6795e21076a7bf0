package dev.signet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The default gate (perplexity ratio at most 1.10, mean KL at most 0.10 nats): the bundled caps artifact, whose report
 * says ×1.42 and 0.31 nats, may be stored but not published, and the registry never hears of it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "management.server.port=0",
        "signet.admin-token=" + StoreTestFiles.ADMIN_TOKEN,
})
class QualityGateTest extends StoreHarness {
    static final FakeRegistry REGISTRY = new FakeRegistry();
    static final Path DATA_DIR = StoreTestFiles.scratch("store-gate-");

    @DynamicPropertySource
    static void folders(DynamicPropertyRegistry registry) {
        StoreHarness.folders(registry, DATA_DIR, REGISTRY);
    }

    @Test
    void aDeltaThatFailsTheGateIsNotPublished() {
        String digest = store.uploadArtifact("caps.safetensors", StoreTestFiles.bytes(StoreTestFiles.bundledCapsArtifact()));
        JsonNode gate = store.get("/admin/v1/artifacts/{d}", digest).path("gate");
        assertThat(gate.path("passed").asBoolean()).isFalse();
        assertThat(gate.path("reasons")).hasSize(2);

        JsonNode error = StoreClient.error(store.http.post().uri("/admin/v1/artifacts/{d}/publish", digest)
                .bodyValue(Map.of("tenant", "acme", "model", "acme-caps")).exchange(), 409, "gate_failed");
        assertThat(error.path("message").asString()).contains("perplexity ratio 1.4241 exceeds the gate's 1.1000")
                .contains("mean KL divergence 0.30629 nats exceeds the gate's 0.10000");
        assertThat(REGISTRY.puts).isEmpty();
    }
}
