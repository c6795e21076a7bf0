package dev.signet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * Ready artifacts and every refusal: the bundled caps artifact stored under its sha256 with the report it carries; an
 * artifact of another base and a file that is no artifact refused with the engine's reason; and the request errors
 * (credential, sizes, names, checksums, unknown ids) in OpenAI's shape, none of which harms the upload it concerns.
 */
class ArtifactUploadTest extends RunningStore {

    @Test
    void aReadyArtifactIsStoredUnderTheSha256OfItsBytesWithTheReportItCarries() {
        byte[] caps = StoreTestFiles.bytes(StoreTestFiles.bundledCapsArtifact());
        String digest = store.uploadArtifact("caps.safetensors", caps);

        assertThat(digest).isEqualTo(StoreTestFiles.sha256(caps));
        JsonNode artifact = store.get("/admin/v1/artifacts/{d}", digest);
        assertThat(artifact.path("kind").asString()).isEqualTo("uploaded");
        assertThat(artifact.path("size").asLong()).isEqualTo(caps.length);
        assertThat(artifact.path("report").path("perplexity_ratio").asDouble()).isGreaterThan(1.0);
        assertThat(artifact.path("settings").path("method").asString()).isEqualTo("bitdelta-calibrated");
        assertThat(store.get("/admin/v1/artifacts").path("data").findValuesAsString("digest")).contains(digest);
        byte[] served = store.http.get().uri("/v1/artifacts/{d}", digest).exchange().expectStatus().isOk()
                .expectHeader().valueEquals("ETag", "\"" + digest + "\"")
                .expectBody().returnResult().getResponseBody();
        assertThat(served).isEqualTo(caps);

        // The same bytes again are the same artifact.
        assertThat(store.uploadArtifact("again.safetensors", caps)).isEqualTo(digest);
    }

    @Test
    void rejectsAnArtifactMadeAgainstAnotherBaseWithTheEnginesReason() {
        byte[] other = StoreTestFiles.artifactOfAnotherBase();
        String id = store.createUpload("artifact", Map.of("other.safetensors", other), StoreClient.CHUNK).path("id").asString();
        store.sendAll(id, Map.of("other.safetensors", other), StoreClient.CHUNK);

        JsonNode error = StoreClient.error(store.complete(id), 422, "invalid_artifact");
        assertThat(error.path("message").asString()).contains("base digest check failed").contains("another base model");
        assertThat(store.get("/admin/v1/artifacts").path("data").findValuesAsString("digest"))
                .doesNotContain(StoreTestFiles.sha256(other));
        store.http.get().uri("/v1/artifacts/{d}", StoreTestFiles.sha256(other)).exchange().expectStatus().isNotFound();
    }

    @Test
    void rejectsAFileThatIsNoArtifact() {
        byte[] junk = StoreTestFiles.malformedArtifact();
        String id = store.createUpload("artifact", Map.of("junk.safetensors", junk), 1000).path("id").asString();
        store.sendAll(id, Map.of("junk.safetensors", junk), 1000);

        JsonNode error = StoreClient.error(store.complete(id), 422, "invalid_artifact");
        assertThat(error.path("message").asString()).contains("format check failed").contains("not a readable safetensors file");
    }

    @Test
    void theAdminPathsNeedTheAdminCredential() {
        WebTestClient anonymous = WebTestClient.bindToServer().baseUrl(store.baseUrl).build();
        StoreClient.error(anonymous.get().uri("/admin/v1/artifacts").exchange(), 401, "invalid_credential");
        StoreClient.error(anonymous.post().uri("/admin/v1/gc").header("Authorization", "Bearer wrong").exchange(), 401,
                "invalid_credential");
        anonymous.get().uri("/v1/artifacts/{d}", "0".repeat(64)).exchange().expectStatus().isNotFound();
    }

    @Test
    void aChunkSentAgainRightAfterARefusalIsReceived() {
        byte[] config = StoreTestFiles.bytes(StoreTestFiles.capsCheckpoint().resolve("config.json"));
        byte[] model = StoreTestFiles.bytes(StoreTestFiles.capsCheckpoint().resolve("model.safetensors"));
        String id = store.createUpload("checkpoint", Map.of("config.json", config, "model.safetensors", model), StoreClient.CHUNK)
                .path("id").asString();
        byte[] first = StoreClient.chunk(model, 0, StoreClient.CHUNK);
        store.sendChunks(id, "model.safetensors", model, StoreClient.CHUNK, i -> i == 0);
        byte[] other = first.clone();
        other[0] ^= 1;
        for (int round = 0; round < 25; round++) {  // the refusal's answer once overtook the chunk's release
            StoreClient.error(store.putChunk(id, "model.safetensors", 0, other, StoreTestFiles.sha256(other)), 409, "chunk_conflict");
            store.putChunk(id, "model.safetensors", 0, first, StoreTestFiles.sha256(first)).expectStatus().isNoContent();
        }
    }

    @Test
    void badRequestsAreRefusedClearlyAndLeaveTheUploadResumable() {
        byte[] config = StoreTestFiles.bytes(StoreTestFiles.capsCheckpoint().resolve("config.json"));
        byte[] model = StoreTestFiles.bytes(StoreTestFiles.capsCheckpoint().resolve("model.safetensors"));
        Map<String, byte[]> files = Map.of("config.json", config, "model.safetensors", model);

        assertThat(createError(Map.of("kind", "tarball", "files", java.util.List.of()), 400).path("param").asString()).isEqualTo("kind");
        assertThat(createError(Map.of("kind", "checkpoint", "files", java.util.List.of(
                Map.of("name", "config.json", "size", 10, "sha256", "0".repeat(64)))), 400).path("message").asString())
                .contains("model.safetensors");
        assertThat(createError(Map.of("kind", "checkpoint", "files", java.util.List.of(
                Map.of("name", "../etc/passwd", "size", 10, "sha256", "0".repeat(64)))), 400).path("param").asString())
                .isEqualTo("files[0].name");
        assertThat(createError(Map.of("kind", "artifact", "files", java.util.List.of(
                Map.of("name", "a.safetensors", "size", 10, "sha256", "XYZ"))), 400).path("param").asString())
                .isEqualTo("files[0].sha256");

        String id = store.createUpload("checkpoint", files, StoreClient.CHUNK).path("id").asString();
        byte[] first = StoreClient.chunk(model, 0, StoreClient.CHUNK);
        byte[] tooMuch = java.util.Arrays.copyOf(first, first.length + 1);
        StoreClient.error(store.putChunk(id, "model.safetensors", 0, tooMuch, StoreTestFiles.sha256(tooMuch)), 413, "too_large");
        byte[] last = java.util.Arrays.copyOf(config, config.length + 5);
        StoreClient.error(store.putChunk(id, "config.json", 0, last, StoreTestFiles.sha256(last)), 413, "too_large");
        StoreClient.error(store.putChunk(id, "model.safetensors", 999, first, StoreTestFiles.sha256(first)), 400, "invalid_value");
        StoreClient.error(store.putChunk(id, "weights.bin", 0, first, StoreTestFiles.sha256(first)), 404, "not_found");
        StoreClient.error(store.putChunk(id, "model.safetensors", 0, first, "not-a-digest"), 400, "invalid_value");
        StoreClient.error(store.putChunk(id, "model.safetensors", 0, java.util.Arrays.copyOf(first, 10),
                StoreTestFiles.sha256(java.util.Arrays.copyOf(first, 10))), 400, "chunk_size_mismatch");
        StoreClient.error(store.putChunk("up_" + "0".repeat(24), "model.safetensors", 0, first, StoreTestFiles.sha256(first)),
                404, "not_found");

        // Chunk 0 acknowledged; other bytes under its index are a conflict and do not replace it.
        store.sendChunks(id, "model.safetensors", model, StoreClient.CHUNK, i -> i == 0);
        byte[] other = first.clone();
        other[0] ^= 1;
        StoreClient.error(store.putChunk(id, "model.safetensors", 0, other, StoreTestFiles.sha256(other)), 409, "chunk_conflict");
        store.sendAll(id, files, StoreClient.CHUNK);
        assertThat(store.get("/admin/v1/uploads/{id}", id).path("state").asString()).isEqualTo("received");

        store.http.delete().uri("/admin/v1/uploads/{id}", id).exchange().expectStatus().isNoContent();
        StoreClient.error(store.http.get().uri("/admin/v1/uploads/{id}", id).exchange(), 404, "not_found");
        StoreClient.error(store.http.get().uri("/admin/v1/jobs/{id}", "job_" + "0".repeat(24)).exchange(), 404, "not_found");
        StoreClient.error(store.http.post().uri("/admin/v1/artifacts/{d}/publish", "0".repeat(64))
                .bodyValue(Map.of("tenant", "acme", "model", "m")).exchange(), 404, "not_found");
    }

    @Test
    void publishingChecksTheNamesAndPassesTheRegistrysRefusalOn() {
        String digest = store.uploadArtifact("caps.safetensors", StoreTestFiles.bytes(StoreTestFiles.bundledCapsArtifact()));
        StoreClient.error(store.http.post().uri("/admin/v1/artifacts/{d}/publish", digest)
                .bodyValue(Map.of("tenant", "Not A Slug", "model", "m")).exchange(), 400, "invalid_value");
        StoreClient.error(store.http.post().uri("/admin/v1/artifacts/{d}/publish", digest)
                .bodyValue(Map.of("tenant", "acme", "model", "bad name")).exchange(), 400, "invalid_value");
        JsonNode refused = StoreClient.error(store.http.post().uri("/admin/v1/artifacts/{d}/publish", digest)
                .bodyValue(Map.of("tenant", "nobody", "model", "m")).exchange(), 404, "registry_refused");
        assertThat(refused.path("message").asString()).contains("no tenant 'nobody'");
    }

    private JsonNode createError(Map<String, Object> body, int status) {
        return StoreClient.error(store.http.post().uri("/admin/v1/uploads").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange(), status, null);
    }
}
