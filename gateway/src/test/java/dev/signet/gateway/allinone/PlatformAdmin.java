package dev.signet.gateway.allinone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The operator's side of a running all-in-one platform in the tests: the registry's and the store's admin APIs through
 * the launcher's own {@link AdminHttp}, with the steps the acceptance tests repeat (chunked uploads, job polling,
 * artifact downloads, the consistency checks after a crash).
 */
final class PlatformAdmin {
    static final int CHUNK = 128 * 1024;
    private static final Path FIXTURES = Path.of(System.getProperty("signet.fixtures"));

    final AdminHttp registry;
    final AdminHttp store;
    private final URI storeUrl;
    private final HttpClient http = HttpClient.newHttpClient();

    PlatformAdmin(URI registryUrl, URI storeUrl, String adminToken) {
        this.registry = new AdminHttp(registryUrl, adminToken);
        this.store = new AdminHttp(storeUrl, adminToken);
        this.storeUrl = storeUrl;
    }

    /** A file of a checkpoint upload, with its bytes. */
    record UploadFile(String name, byte[] bytes) {
        int chunks() {
            return (bytes.length + CHUNK - 1) / CHUNK;
        }

        byte[] chunk(int index) {
            return Arrays.copyOfRange(bytes, index * CHUNK, Math.min(bytes.length, (index + 1) * CHUNK));
        }
    }

    /** The pycode fine-tune from the fixtures as a checkpoint upload: its config, weights and ~20 KB of its eval text. */
    static List<UploadFile> pycodeCheckpoint() {
        Path tenant = FIXTURES.resolve("tenants/pycode");
        return List.of(new UploadFile("config.json", read(tenant.resolve("config.json"))),
                new UploadFile("model.safetensors", read(tenant.resolve("model.safetensors"))),
                new UploadFile("eval.txt", evalText(FIXTURES.resolve("corpora/pycode/eval.txt"), 20_000)));
    }

    /** The first whole lines of a corpus, at most {@code limit} bytes. */
    private static byte[] evalText(Path corpus, int limit) {
        byte[] all = read(corpus);
        int end = Math.min(all.length, limit);
        while (end > 0 && all[end - 1] != '\n') {
            end--;
        }
        return Arrays.copyOf(all, end);
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Declares a checkpoint upload of these files in {@link #CHUNK}-byte chunks; answers its id. */
    String createCheckpointUpload(List<UploadFile> files) {
        List<Map<String, Object>> declared = files.stream()
                .map(f -> Map.<String, Object>of("name", f.name(), "size", f.bytes().length, "sha256", ArtifactUpload.sha256(f.bytes())))
                .toList();
        JsonNode upload = AdminHttp.expectOk(store.post("/admin/v1/uploads", Map.of("kind", "checkpoint", "files", declared, "chunk_size", CHUNK)),
                "creating the upload");
        assertThat(upload.get("chunk_size").asInt()).isEqualTo(CHUNK);
        return upload.get("id").asString();
    }

    /** Sends one chunk with the sha256 of {@code claimed} (the intended bytes) but the body {@code sent}. */
    AdminHttp.Reply putChunk(String upload, UploadFile file, int index, byte[] sent) {
        return store.putBytes("/admin/v1/uploads/" + upload + "/files/" + file.name() + "/chunks/" + index, sent,
                "Signet-Chunk-Sha256", ArtifactUpload.sha256(file.chunk(index)));
    }

    /** Each file's received chunk indexes, as the store reports them to resume from. */
    Map<String, List<Integer>> received(String upload) {
        JsonNode view = AdminHttp.expectOk(store.get("/admin/v1/uploads/" + upload), "reading upload " + upload);
        Map<String, List<Integer>> out = new HashMap<>();
        for (JsonNode f : view.get("files")) {
            List<Integer> indexes = new ArrayList<>();
            f.get("received").forEach(i -> indexes.add(i.asInt()));
            out.put(f.get("name").asString(), indexes);
        }
        return out;
    }

    /** Sends every chunk the store has not received yet. */
    void sendMissingChunks(String upload, List<UploadFile> files) {
        Map<String, List<Integer>> have = received(upload);
        for (UploadFile f : files) {
            for (int i = 0; i < f.chunks(); i++) {
                if (!have.get(f.name()).contains(i)) {
                    assertThat(putChunk(upload, f, i, f.chunk(i)).status()).as("chunk %d of %s", i, f.name()).isEqualTo(204);
                }
            }
        }
    }

    /** Completes a checkpoint upload and waits for its compression job to succeed; answers the finished job. */
    JsonNode completeAndCompress(String upload, Duration timeout) throws InterruptedException {
        AdminHttp.Reply complete = store.post("/admin/v1/uploads/" + upload + "/complete", Map.of());
        assertThat(complete.status()).as("complete: %s", complete.body()).isEqualTo(202);
        String job = complete.body().get("job").asString();
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode state;
        do {
            Thread.sleep(200);
            state = AdminHttp.expectOk(store.get("/admin/v1/jobs/" + job), "reading job " + job);
        } while (state.get("state").asString().matches("queued|running") && System.nanoTime() < deadline);
        assertThat(state.get("state").asString()).as("job %s", state).isEqualTo("succeeded");
        return state;
    }

    /** Publishes an artifact as a tenant's model. */
    AdminHttp.Reply publish(String digest, String tenant, String model) {
        return store.post("/admin/v1/artifacts/" + digest + "/publish", Map.of("tenant", tenant, "model", model));
    }

    /** An artifact's bytes as workers fetch them ({@code GET /v1/artifacts/{digest}}, no credential). */
    byte[] artifactBytes(String digest) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(storeUrl.resolve("/v1/artifacts/" + digest)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).as("GET /v1/artifacts/%s", digest).isEqualTo(200);
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The digests the store lists. */
    List<String> artifactDigests() {
        List<String> out = new ArrayList<>();
        JsonNode list = AdminHttp.expectOk(store.get("/admin/v1/artifacts"), "listing artifacts");
        list.get("data").forEach(a -> out.add(a.get("digest").asString()));
        return out;
    }

    /** A tenant's models: name → bound delta digest (null: the base). */
    Map<String, String> bindings(String tenant) {
        JsonNode t = AdminHttp.expectOk(registry.get("/admin/v1/tenants/" + tenant), "reading tenant " + tenant);
        Map<String, String> out = new LinkedHashMap<>();
        t.get("models").forEach(m -> out.put(m.get("name").asString(), m.get("delta").isNull() ? null : m.get("delta").asString()));
        return out;
    }

    /**
     * What must hold after any crash: every listed artifact's bytes hash to its digest (no half artifact is visible),
     * and every model of these tenants binds the base or an artifact the store holds.
     */
    void assertConsistent(List<String> tenants) {
        List<String> digests = artifactDigests();
        for (String digest : digests) {
            assertThat(ArtifactUpload.sha256(artifactBytes(digest))).as("bytes of artifact %s", digest).isEqualTo(digest);
        }
        for (String tenant : tenants) {
            bindings(tenant).forEach((model, delta) -> {
                if (delta != null) {
                    assertThat(digests).as("%s/%s binds %s", tenant, model, delta).contains(delta);
                }
            });
        }
    }
}
