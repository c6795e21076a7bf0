package dev.signet.gateway.allinone;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.completions.CompletionCreateParams;
import dev.signet.gateway.GreedyOracle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./signet up} killed with SIGKILL mid-upload and mid-publish, then restarted on the same data directory: every
 * acknowledged chunk and publish survives, nothing half-written is visible, and the demo still serves. One data
 * directory for the class, started three times (each test kills the running platform and leaves its successor up),
 * so the whole class stays within the time of three start-ups and one compression.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AllInOneCrashTest {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final String PROMPT = "Once upon a time";
    private static final int MAX_TOKENS = 12;

    @TempDir
    static Path temp;
    private static SignetUpProcess running;
    private static final AtomicInteger STARTS = new AtomicInteger();

    @BeforeAll
    static void startPlatform() throws Exception {
        running = start();
    }

    @AfterAll
    static void killPlatform() throws InterruptedException {
        if (running != null) {
            running.kill();
        }
    }

    private static SignetUpProcess start() throws Exception {
        return SignetUpProcess.start(temp.resolve("data"), temp.resolve("signet-up-" + STARTS.incrementAndGet() + ".log"), START_TIMEOUT);
    }

    /** SIGKILL the running platform, let the client thread see it die, and start it again on the same data directory. */
    private static PlatformAdmin crashAndRestart(Thread client) throws Exception {
        running.kill();
        client.join();
        running = start();
        return running.admin();
    }

    @Test
    @Order(1)
    void killedMidUploadKeepsEveryAcknowledgedChunkAndTheUploadResumes() throws Exception {
        PlatformAdmin sending = running.admin();
        List<PlatformAdmin.UploadFile> files = PlatformAdmin.pycodeCheckpoint();
        String upload = sending.createCheckpointUpload(files);
        Map<String, Set<Integer>> acknowledged = new ConcurrentHashMap<>();
        files.forEach(f -> acknowledged.put(f.name(), ConcurrentHashMap.newKeySet()));
        int total = files.stream().mapToInt(PlatformAdmin.UploadFile::chunks).sum();
        AtomicInteger acks = new AtomicInteger();
        CountDownLatch killing = new CountDownLatch(1);
        Thread sender = Thread.ofVirtual().start(() -> {
            try {
                for (PlatformAdmin.UploadFile f : files) {
                    for (int i = 0; i < f.chunks(); i++) {
                        if (acks.get() == total / 2) {
                            killing.await();   // the rest of the chunks race the kill
                        }
                        if (sending.putChunk(upload, f, i, f.chunk(i)).status() == 204) {
                            acknowledged.get(f.name()).add(i);
                            acks.incrementAndGet();
                        }
                    }
                }
            } catch (IllegalStateException | InterruptedException killed) {
                // the platform died under this chunk: it was never acknowledged
            }
        });
        while (acks.get() < total / 2 && sender.isAlive()) {
            Thread.sleep(1);
        }
        killing.countDown();
        PlatformAdmin admin = crashAndRestart(sender);
        assertThat(acks.get()).as("killed in the middle of the upload").isBetween(1, total - 1);

        Map<String, List<Integer>> received = admin.received(upload);
        acknowledged.forEach((name, chunks) -> assertThat(received.get(name)).as("acknowledged chunks of %s", name).containsAll(chunks));
        admin.assertConsistent(DemoTenants.TENANTS);
        demoTenantsServe();

        admin.sendMissingChunks(upload, files);
        String digest = admin.completeAndCompress(upload, Duration.ofMinutes(2)).get("digest").asString();
        assertThat(admin.artifactDigests()).contains(digest);
        admin.assertConsistent(DemoTenants.TENANTS);
    }

    @Test
    @Order(2)
    void killedMidPublishKeepsEveryAcknowledgedBindingAndNoDanglingOne() throws Exception {
        PlatformAdmin publisher = running.admin();
        String digest = publisher.bindings("caps").get("caps");
        Set<String> published = ConcurrentHashMap.newKeySet();
        AtomicInteger attempted = new AtomicInteger();
        Thread loop = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; ; i++) {
                    attempted.set(i + 1);
                    if (publisher.publish(digest, "caps", "crash-" + i).status() == 200) {
                        published.add("crash-" + i);
                    }
                }
            } catch (IllegalStateException killed) {
                // the platform died under this publish: it was never acknowledged
            }
        });
        while (published.isEmpty() && loop.isAlive()) {
            Thread.sleep(1);
        }
        Thread.sleep(ThreadLocalRandom.current().nextLong(100, 1500));   // a random moment in the loop
        PlatformAdmin admin = crashAndRestart(loop);
        assertThat(published).as("publishes acknowledged before the kill").isNotEmpty();

        Map<String, String> bindings = admin.bindings("caps");
        published.forEach(model -> assertThat(bindings).as("acknowledged publish %s", model).containsEntry(model, digest));
        // Beyond the acknowledged ones, at most the publish the kill interrupted may have landed.
        assertThat(bindings.keySet().stream().filter(m -> m.startsWith("crash-")).filter(m -> !published.contains(m)))
                .isSubsetOf("crash-" + (attempted.get() - 1));
        admin.assertConsistent(DemoTenants.TENANTS);
        demoTenantsServe();
    }

    /** One request per demo tenant with the key the restarted platform printed: the tenant's own greedy answer. */
    private static void demoTenantsServe() {
        assertThat(running.banner.keys().keySet()).containsExactlyElementsOf(DemoTenants.TENANTS);
        running.banner.keys().forEach((tenant, key) -> {
            OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(running.banner.gateway() + "/v1").apiKey(key).maxRetries(0).build();
            try {
                String text = client.completions().create(CompletionCreateParams.builder().model(tenant).prompt(PROMPT)
                        .maxTokens(MAX_TOKENS).temperature(0.0).build()).choices().getFirst().text();
                assertThat(text).as("tenant %s after the restart", tenant).isEqualTo(GreedyOracle.text(tenant, PROMPT, MAX_TOKENS));
            } finally {
                client.close();
            }
        });
    }
}
