package dev.signet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The store's API as an operator's tool calls it, over real HTTP, with the admin credential. */
final class StoreClient {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final int CHUNK = 64 * 1024;

    final String baseUrl;
    final WebTestClient http;

    StoreClient(int port) {
        this.baseUrl = "http://localhost:" + port;
        this.http = WebTestClient.bindToServer().baseUrl(baseUrl).responseTimeout(Duration.ofSeconds(60))
                .defaultHeader("Authorization", "Bearer " + StoreTestFiles.ADMIN_TOKEN).build();
    }

    /** POST /admin/v1/uploads declaring these files (name → bytes) with their sizes and sha256; answers the upload. */
    JsonNode createUpload(String kind, Map<String, byte[]> files, int chunkSize) {
        List<Map<String, Object>> declared = new ArrayList<>();
        files.forEach((name, bytes) -> declared.add(Map.of("name", name, "size", bytes.length, "sha256", StoreTestFiles.sha256(bytes))));
        return json(http.post().uri("/admin/v1/uploads").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("kind", kind, "files", declared, "chunk_size", chunkSize)).exchange()
                .expectStatus().isCreated());
    }

    WebTestClient.ResponseSpec putChunk(String id, String name, int index, byte[] chunk, String sha256) {
        return http.put().uri("/admin/v1/uploads/{id}/files/{name}/chunks/{index}", id, name, index)
                .header("Signet-Chunk-Sha256", sha256).contentType(MediaType.APPLICATION_OCTET_STREAM).bodyValue(chunk).exchange();
    }

    static byte[] chunk(byte[] file, int index, int chunkSize) {
        return Arrays.copyOfRange(file, index * chunkSize, Math.min(file.length, (index + 1) * chunkSize));
    }

    static int chunks(byte[] file, int chunkSize) {
        return (file.length + chunkSize - 1) / chunkSize;
    }

    /** Sends the chunks of one file whose index passes {@code which}, each acknowledged with 204. */
    void sendChunks(String id, String name, byte[] file, int chunkSize, Predicate<Integer> which) {
        for (int i = 0; i < chunks(file, chunkSize); i++) {
            if (which.test(i)) {
                byte[] c = chunk(file, i, chunkSize);
                putChunk(id, name, i, c, StoreTestFiles.sha256(c)).expectStatus().isNoContent();
            }
        }
    }

    void sendAll(String id, Map<String, byte[]> files, int chunkSize) {
        files.forEach((name, bytes) -> sendChunks(id, name, bytes, chunkSize, i -> true));
    }

    WebTestClient.ResponseSpec complete(String id) {
        return http.post().uri("/admin/v1/uploads/{id}/complete", id).exchange();
    }

    /** A ready artifact uploaded and stored; answers its digest. */
    String uploadArtifact(String name, byte[] bytes) {
        String id = createUpload("artifact", Map.of(name, bytes), CHUNK).path("id").asString();
        sendAll(id, Map.of(name, bytes), CHUNK);
        return json(complete(id).expectStatus().isOk()).path("digest").asString();
    }

    /** The caps fine-tune with a short eval text: config.json, model.safetensors, eval.txt. */
    static Map<String, byte[]> capsCheckpointFiles(int evalChars) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", StoreTestFiles.bytes(StoreTestFiles.capsCheckpoint().resolve("config.json")));
        files.put("model.safetensors", StoreTestFiles.bytes(StoreTestFiles.capsCheckpoint().resolve("model.safetensors")));
        files.put("eval.txt", StoreTestFiles.evalText(evalChars));
        return files;
    }

    JsonNode get(String path, Object... vars) {
        return json(http.get().uri(path, vars).exchange().expectStatus().isOk());
    }

    /** Polls a job until it satisfies the condition, within a minute; returns the last answer. */
    JsonNode awaitJob(String id, Predicate<JsonNode> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode job;
        do {
            job = get("/admin/v1/jobs/{id}", id);
            if (condition.test(job)) {
                return job;
            }
            sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + id + " never reached the expected state; last: " + job);
    }

    static JsonNode finished(StoreClient client, String job) {
        JsonNode done = client.awaitJob(job, j -> !j.path("state").asString().matches("queued|running"));
        assertThat(done.path("state").asString()).as(done.toString()).isEqualTo("succeeded");
        return done;
    }

    static JsonNode json(WebTestClient.ResponseSpec response) {
        byte[] body = response.expectBody().returnResult().getResponseBody();
        return JSON.readTree(body == null ? "null".getBytes() : body);
    }

    /** The error body of a refused request, checked to be OpenAI's shape with the given code. */
    static JsonNode error(WebTestClient.ResponseSpec response, int status, String code) {
        JsonNode body = json(response.expectStatus().isEqualTo(status));
        JsonNode error = body.path("error");
        assertThat(error.path("message").asString()).as(body.toString()).isNotBlank();
        assertThat(error.path("type").asString()).as(body.toString()).isNotBlank();
        assertThat(error.has("param")).as(body.toString()).isTrue();
        if (code != null) {
            assertThat(error.path("code").asString()).as(body.toString()).isEqualTo(code);
        }
        return error;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
