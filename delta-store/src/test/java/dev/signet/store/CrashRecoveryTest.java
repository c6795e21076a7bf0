package dev.signet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The store killed with SIGKILL in a child JVM, three times on one data folder: in the middle of a chunk, in the
 * middle of a compression job, and in the middle of publishing. After each restart no partial artifact is visible,
 * every acknowledged chunk is still there, no job is left running, and the work can be finished.
 */
class CrashRecoveryTest {
    static final FakeRegistry REGISTRY = new FakeRegistry();

    @AfterAll
    static void stopRegistry() {
        REGISTRY.close();
    }

    @Test
    void killedMidUploadMidCompressionAndMidPublishTheStoreLosesNothingAcknowledged() throws Exception {
        Path data = StoreTestFiles.scratch("store-crash-");
        Path log = data.resolveSibling(data.getFileName() + ".log");
        Map<String, byte[]> files = StoreClient.capsCheckpointFiles(60_000);
        byte[] model = files.get("model.safetensors");
        int chunk = StoreClient.CHUNK;

        // 1. Killed while chunk 8 of the model is half sent; chunks 0-7 were acknowledged.
        StoreProcess first = StoreProcess.start(data, REGISTRY.url(), log);
        StoreClient client = new StoreClient(first.port);
        String upload = client.createUpload("checkpoint", files, chunk).path("id").asString();
        client.sendChunks(upload, "model.safetensors", model, chunk, i -> i < 8);
        try (Socket half = sendHalfAChunk(first.port, upload, StoreClient.chunk(model, 8, chunk))) {
            first.kill();
        }

        StoreProcess second = StoreProcess.start(data, REGISTRY.url(), log);
        client = new StoreClient(second.port);
        JsonNode resumed = client.get("/admin/v1/uploads/{id}", upload);
        assertThat(ints(resumed.path("files").get(1).path("received"))).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertNoPartialArtifact(data, client);
        client.sendChunks(upload, "model.safetensors", model, chunk, i -> i >= 8);
        client.sendChunks(upload, "config.json", files.get("config.json"), chunk, i -> true);
        client.sendChunks(upload, "eval.txt", files.get("eval.txt"), chunk, i -> true);

        // 2. Killed while the compression job runs.
        String job = StoreClient.json(client.complete(upload).expectStatus().isAccepted()).path("job").asString();
        client.awaitJob(job, j -> j.path("state").asString().equals("running"));
        second.kill();

        StoreProcess third = StoreProcess.start(data, REGISTRY.url(), log);
        client = new StoreClient(third.port);
        JsonNode interrupted = client.get("/admin/v1/jobs/{id}", job);
        assertThat(interrupted.path("state").asString()).isEqualTo("failed");
        assertThat(interrupted.path("error").asString()).contains("interrupted").contains(upload);
        assertNoPartialArtifact(data, client);
        assertThat(client.get("/admin/v1/artifacts").path("data")).isEmpty();
        try (Stream<Path> work = Files.list(data.resolve("work"))) {
            assertThat(work).as("scratch of the killed job").isEmpty();
        }
        String retry = StoreClient.json(client.complete(upload).expectStatus().isAccepted()).path("job").asString();
        String digest = StoreClient.finished(client, retry).path("digest").asString();

        // 3. Killed while the registry holds the publish call.
        REGISTRY.holdPuts = new CountDownLatch(1);
        StoreClient publishing = client;
        CompletableFuture.runAsync(() -> publishing.http.post().uri("/admin/v1/artifacts/{d}/publish", digest)
                .bodyValue(Map.of("tenant", "acme", "model", "acme-caps")).exchange());
        assertThat(REGISTRY.putArrived.await(60, TimeUnit.SECONDS)).as("the publish call reached the registry").isTrue();
        third.kill();
        REGISTRY.holdPuts.countDown();

        StoreProcess fourth = StoreProcess.start(data, REGISTRY.url(), log);
        try {
            client = new StoreClient(fourth.port);
            assertNoPartialArtifact(data, client);
            assertThat(client.get("/admin/v1/artifacts").path("data").findValuesAsString("digest")).containsExactly(digest);
            client.http.post().uri("/admin/v1/artifacts/{d}/publish", digest)
                    .bodyValue(Map.of("tenant", "acme", "model", "acme-caps")).exchange().expectStatus().isOk();
            assertThat(REGISTRY.puts).hasSize(2);
        } finally {
            fourth.kill();
        }
    }

    /** A PUT of a whole chunk's headers and half its bytes, left hanging. */
    private static Socket sendHalfAChunk(int port, String upload, byte[] chunk) throws IOException {
        Socket socket = new Socket("localhost", port);
        OutputStream out = socket.getOutputStream();
        out.write(("PUT /admin/v1/uploads/" + upload + "/files/model.safetensors/chunks/8 HTTP/1.1\r\n"
                + "Host: localhost\r\nAuthorization: Bearer " + StoreTestFiles.ADMIN_TOKEN + "\r\n"
                + "Signet-Chunk-Sha256: " + StoreTestFiles.sha256(chunk) + "\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: " + chunk.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(chunk, 0, chunk.length / 2);
        out.flush();
        StoreClient.sleep(500);   // the store has begun writing the chunk
        return socket;
    }

    /** Only whole artifacts: every file in artifacts/ is a digest's artifact or metadata, and hashes to its name. */
    private static void assertNoPartialArtifact(Path data, StoreClient client) throws IOException {
        List<String> listed = client.get("/admin/v1/artifacts").path("data").findValuesAsString("digest");
        try (Stream<Path> files = Files.list(data.resolve("artifacts"))) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                assertThat(name).matches("[0-9a-f]{64}\\.(safetensors|json)");
                if (name.endsWith(".safetensors")) {
                    String digest = name.substring(0, 64);
                    assertThat(StoreTestFiles.sha256(Files.readAllBytes(f))).isEqualTo(digest);
                    assertThat(listed).contains(digest);
                }
            }
        }
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }
}
