package dev.signet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.deltacache.DeltaNotFoundException;
import dev.signet.engine.deltacache.HttpDeltaSource;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A fine-tune's way through the store: the caps checkpoint uploaded in 64 KiB chunks (one first sent corrupted, one
 * left out and resumed from the upload's state), compressed by a job whose progress and report are visible, stored
 * under the sha256 of its bytes, fetched by the worker's own {@link HttpDeltaSource} and by ranges, and published.
 */
class CheckpointUploadTest extends RunningStore {

    @Test
    void aCheckpointUploadedInChunksIsCompressedStoredServedAndPublished() throws Exception {
        Map<String, byte[]> files = StoreClient.capsCheckpointFiles(8000);
        byte[] model = files.get("model.safetensors");
        JsonNode created = store.createUpload("checkpoint", files, StoreClient.CHUNK);
        String id = created.path("id").asString();
        assertThat(id).matches("up_[0-9a-f]{24}");
        assertThat(created.path("state").asString()).isEqualTo("receiving");
        assertThat(created.path("chunk_size").asLong()).isEqualTo(StoreClient.CHUNK);
        assertThat(created.path("files").get(1).path("chunks").asInt()).isEqualTo(StoreClient.chunks(model, StoreClient.CHUNK));

        // Chunk 3 arrives damaged: refused, nothing recorded, the upload unharmed.
        byte[] three = StoreClient.chunk(model, 3, StoreClient.CHUNK);
        byte[] damaged = three.clone();
        damaged[100] ^= 0x5a;
        StoreClient.error(store.putChunk(id, "model.safetensors", 3, damaged, StoreTestFiles.sha256(three)), 422,
                "chunk_checksum_mismatch");
        assertThat(received(id, 1)).doesNotContain(3);

        // Everything but chunk 5 of the model; chunk 3 retried with its true bytes; chunk 0 sent twice.
        store.sendChunks(id, "model.safetensors", model, StoreClient.CHUNK, i -> i != 5);
        store.sendChunks(id, "model.safetensors", model, StoreClient.CHUNK, i -> i == 0);
        store.sendChunks(id, "config.json", files.get("config.json"), StoreClient.CHUNK, i -> true);
        store.sendChunks(id, "eval.txt", files.get("eval.txt"), StoreClient.CHUNK, i -> true);
        StoreClient.error(store.complete(id), 400, "upload_incomplete");

        // Resume as a client would: read back what the store holds and send what is missing.
        List<Integer> missing = new ArrayList<>();
        JsonNode state = store.get("/admin/v1/uploads/{id}", id);
        assertThat(state.path("state").asString()).isEqualTo("receiving");
        for (int i = 0; i < state.path("files").get(1).path("chunks").asInt(); i++) {
            if (!received(id, 1).contains(i)) {
                missing.add(i);
            }
        }
        assertThat(missing).containsExactly(5);
        store.sendChunks(id, "model.safetensors", model, StoreClient.CHUNK, missing::contains);
        assertThat(store.get("/admin/v1/uploads/{id}", id).path("state").asString()).isEqualTo("received");

        JsonNode accepted = StoreClient.json(store.complete(id).expectStatus().isAccepted());
        String job = accepted.path("job").asString();
        assertThat(job).matches("job_[0-9a-f]{24}");
        JsonNode done = StoreClient.finished(store, job);
        assertThat(done.path("stage").asString()).isEqualTo("done");
        assertThat(done.path("progress").asDouble()).isEqualTo(1.0);
        JsonNode report = done.path("report");
        assertThat(report.path("text").asString()).isEqualTo("eval.txt");
        assertThat(report.path("windows").asInt()).isPositive();
        assertThat(report.path("perplexity_ratio").asDouble()).isGreaterThan(0);
        assertThat(report.path("mean_kl").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(done.path("gate").path("passed").asBoolean()).as(done.toString()).isTrue();
        String digest = done.path("digest").asString();
        assertThat(digest).matches("[0-9a-f]{64}");
        awaitUploadDeleted(id);

        JsonNode artifact = store.get("/admin/v1/artifacts/{digest}", digest);
        assertThat(artifact.path("kind").asString()).isEqualTo("compressed");
        assertThat(artifact.path("source").asString()).isEqualTo(job);
        assertThat(artifact.path("report")).isEqualTo(report);
        assertThat(artifact.path("gate").path("passed").asBoolean()).isTrue();
        assertThat(artifact.path("base_digest").asString()).startsWith("sha256:");

        // The worker's client fetches it; the bytes hash to the digest they are named by.
        Path fetched = StoreTestFiles.scratch("fetched-").resolve("delta.safetensors");
        new HttpDeltaSource(URI.create(store.baseUrl)).fetch(digest, fetched);
        byte[] bytes = Files.readAllBytes(fetched);
        assertThat(bytes.length).isEqualTo(artifact.path("size").asLong());
        assertThat(StoreTestFiles.sha256(bytes)).isEqualTo(digest);
        Executable unknown = () -> new HttpDeltaSource(URI.create(store.baseUrl)).fetch("0".repeat(64), fetched);
        assertThatThrownBy(unknown::execute).isInstanceOf(DeltaNotFoundException.class);

        assertRangesServe(digest, bytes);

        JsonNode binding = StoreClient.json(store.http.post().uri("/admin/v1/artifacts/{d}/publish", digest)
                .bodyValue(Map.of("tenant", "acme", "model", "acme-caps")).exchange().expectStatus().isOk());
        assertThat(binding.path("delta").asString()).isEqualTo(digest);
        FakeRegistry.Put put = REGISTRY.puts.stream().filter(p -> p.path().equals("/admin/v1/tenants/acme/models/acme-caps"))
                .findFirst().orElseThrow();
        JsonNode sent = StoreClient.JSON.readTree(put.body());
        assertThat(sent.path("delta").asString()).isEqualTo(digest);
        assertThat(sent.path("base_model").asString()).isEqualTo("stories260K");
        assertThat(sent.path("medusa").isNull()).isTrue();
    }

    private void assertRangesServe(String digest, byte[] bytes) {
        byte[] tail = store.http.get().uri("/v1/artifacts/{d}", digest).header("Range", "bytes=1000-").exchange()
                .expectStatus().isEqualTo(206)
                .expectHeader().valueEquals("Content-Range", "bytes 1000-" + (bytes.length - 1) + "/" + bytes.length)
                .expectHeader().valueEquals("ETag", "\"" + digest + "\"")
                .expectBody().returnResult().getResponseBody();
        assertThat(tail).isEqualTo(Arrays.copyOfRange(bytes, 1000, bytes.length));
        byte[] middle = store.http.get().uri("/v1/artifacts/{d}", digest).header("Range", "bytes=10-19").exchange()
                .expectStatus().isEqualTo(206)
                .expectHeader().valueEquals("Content-Range", "bytes 10-19/" + bytes.length)
                .expectBody().returnResult().getResponseBody();
        assertThat(middle).isEqualTo(Arrays.copyOfRange(bytes, 10, 20));
        store.http.get().uri("/v1/artifacts/{d}", digest).header("Range", "bytes=" + bytes.length + "-").exchange()
                .expectStatus().isEqualTo(416);
        store.http.head().uri("/v1/artifacts/{d}", digest).exchange().expectStatus().isOk()
                .expectHeader().contentLength(bytes.length)
                .expectHeader().valueEquals("Accept-Ranges", "bytes")
                .expectHeader().valueEquals("ETag", "\"" + digest + "\"");
    }

    /** The job deletes its upload right after it records its success. */
    private void awaitUploadDeleted(String id) {
        for (int i = 0; i < 100 && store.http.get().uri("/admin/v1/uploads/{id}", id).exchange().returnResult(String.class)
                .getStatus().value() != 404; i++) {
            StoreClient.sleep(20);
        }
        StoreClient.error(store.http.get().uri("/admin/v1/uploads/{id}", id).exchange(), 404, "not_found");
    }

    private List<Integer> received(String id, int file) {
        List<Integer> received = new ArrayList<>();
        store.get("/admin/v1/uploads/{id}", id).path("files").get(file).path("received").forEach(n -> received.add(n.asInt()));
        return received;
    }
}
