package dev.signet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Garbage collection with a grace period and upload lifetime of 2 s: it deletes old artifacts no model references and
 * idle uploads, keeps referenced and young artifacts and fresh uploads, and deletes nothing when the registry cannot
 * tell what is referenced.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "management.server.port=0",
        "signet.admin-token=" + StoreTestFiles.ADMIN_TOKEN,
        "signet.store.gc-grace=2s",
        "signet.store.upload-ttl=2s",
})
class GarbageCollectionTest extends StoreHarness {
    static final FakeRegistry REGISTRY = new FakeRegistry();
    static final Path DATA_DIR = StoreTestFiles.scratch("store-gc-");

    @DynamicPropertySource
    static void folders(DynamicPropertyRegistry registry) {
        StoreHarness.folders(registry, DATA_DIR, REGISTRY);
    }

    @Test
    void deletesOnlyUnreferencedOldArtifactsAndStaleUploads() {
        String unreferencedOld = store.uploadArtifact("caps.safetensors", bundled("caps"));
        String referencedOld = store.uploadArtifact("pycode.safetensors", bundled("pycode"));
        byte[] model = StoreTestFiles.bytes(StoreTestFiles.capsCheckpoint().resolve("model.safetensors"));
        String staleUpload = store.createUpload("artifact", Map.of("stale.safetensors", model), StoreClient.CHUNK).path("id").asString();
        store.sendChunks(staleUpload, "stale.safetensors", model, StoreClient.CHUNK, i -> i == 0);
        REGISTRY.references = Set.of(referencedOld);

        StoreClient.sleep(3500);  // creation times have whole seconds: past the 2 s grace for sure only after 3 s
        String young = store.uploadArtifact("legal.safetensors", bundled("legal"));
        String freshUpload = store.createUpload("artifact", Map.of("fresh.safetensors", model), StoreClient.CHUNK).path("id").asString();

        REGISTRY.down = true;
        StoreClient.error(store.http.post().uri("/admin/v1/gc").exchange(), 503, "registry_unavailable");
        assertThat(artifacts()).contains(unreferencedOld, referencedOld, young);
        store.get("/admin/v1/uploads/{id}", staleUpload);

        REGISTRY.down = false;
        JsonNode deleted = StoreClient.json(store.http.post().uri("/admin/v1/gc").exchange().expectStatus().isOk()).path("deleted");
        List<String> names = new ArrayList<>();
        deleted.forEach(d -> names.add(d.asString()));
        assertThat(names).containsExactlyInAnyOrder(unreferencedOld, staleUpload);
        assertThat(artifacts()).containsExactlyInAnyOrder(referencedOld, young);
        store.http.get().uri("/v1/artifacts/{d}", unreferencedOld).exchange().expectStatus().isNotFound();
        StoreClient.error(store.http.get().uri("/admin/v1/uploads/{id}", staleUpload).exchange(), 404, "not_found");
        store.get("/admin/v1/uploads/{id}", freshUpload);
    }

    private List<String> artifacts() {
        return store.get("/admin/v1/artifacts").path("data").findValuesAsString("digest");
    }

    private static byte[] bundled(String name) {
        return StoreTestFiles.bytes(StoreTestFiles.repo().resolve("models/deltas/" + name + ".safetensors"));
    }
}
