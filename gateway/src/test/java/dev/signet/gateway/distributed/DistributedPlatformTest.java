package dev.signet.gateway.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.tokenizer.ChatMessage;
import dev.signet.gateway.GreedyOracle;
import dev.signet.gateway.allinone.AdminHttp;
import dev.signet.gateway.allinone.ArtifactUpload;
import dev.signet.residency.DeltaHolder;
import dev.signet.residency.RedisResidencyRegistry;
import dev.signet.residency.WorkerReport;
import dev.signet.residency.testing.RedisServers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The distributed mode end to end: the tenant registry (Redis store), the delta store, one worker and the gateway, each
 * its own OS process, sharing only HTTP and a real Redis, as Kubernetes runs them (docs/deployment.md). An operator
 * creates a tenant and its key, uploads the bundled caps delta to the store in chunks and publishes it; the tenant's
 * chat completion then comes back through the gateway as the engine's greedy answer under caps, served by the worker
 * from the delta it fetched from the store, as its cache and its Redis residency show.
 */
class DistributedPlatformTest {
    private static final String ADMIN_TOKEN = "admin-" + UUID.randomUUID();
    private static final String WORKER_ID = "distributed-worker";
    private static final String TENANT = "acme";
    private static final String MODEL = "acme-caps";
    private static final int CHUNK = 16 * 1024;   // the 64 KiB caps delta goes in several chunks
    private static final int MAX_TOKENS = 24;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension
    static final ServiceProcesses services = new ServiceProcesses(ADMIN_TOKEN);

    private static RedisServers.Server redis;
    private static RedisResidencyRegistry residency;
    private static ServiceProcess registry;
    private static ServiceProcess store;
    private static ServiceProcess worker;
    private static ServiceProcess gateway;

    @BeforeAll
    static void startPlatform() throws IOException {
        redis = RedisServers.start();
        residency = new RedisResidencyRegistry(redis.url(), "signet");   // the services' default key prefix
        Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "distributed-").toAbsolutePath();
        // Started in dependency order, then awaited together: the JVMs boot in parallel.
        registry = services.start("tenant-registry", "dev.signet.registry.RegistryApplication", work, self -> List.of(
                "--signet.registry.store=redis",
                "--signet.registry.redis-url=" + redis.url()));
        store = services.start("delta-store", "dev.signet.store.StoreApplication", work, self -> List.of(
                "--signet.store.data-dir=" + work.resolve("delta-store"),
                "--signet.store.registry-url=" + registry.api(),
                // The bundled caps delta measures ratio 1.42, KL 0.31 on the tiny stories260K (the default gate is 1.10 / 0.10).
                "--signet.store.gate.max-perplexity-ratio=1.5",
                "--signet.store.gate.max-kl=0.35"));
        worker = services.start("worker", "dev.signet.worker.WorkerApplication", work, self -> List.of(
                "--signet.worker.store-url=" + store.api(),
                "--signet.worker.advertised-address=" + self,
                "--signet.worker.residency.redis-url=" + redis.url(),
                "--signet.worker.residency.heartbeat-interval=500ms",
                "--signet.worker.residency.heartbeat-ttl=3s",
                "--signet.worker.worker-id=" + WORKER_ID,
                "--signet.worker.threads=1",
                "--signet.worker.cache.disk-dir=" + work.resolve("worker-cache")));
        gateway = services.start("gateway", "dev.signet.gateway.GatewayApplication", work, self -> List.of(
                "--signet.gateway.redis-url=" + redis.url(),
                "--signet.gateway.registry-url=" + registry.api()));
        for (ServiceProcess service : List.of(registry, store, worker, gateway)) {
            service.awaitReady(START_TIMEOUT);
        }
    }

    @AfterAll
    static void stopPlatform() {
        services.close();
        if (residency != null) {
            residency.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void servesATenantsPublishedDeltaThroughFourSeparateServices() throws IOException {
        AdminHttp registryAdmin = new AdminHttp(registry.api(), ADMIN_TOKEN);
        AdminHttp storeAdmin = new AdminHttp(store.api(), ADMIN_TOKEN);

        AdminHttp.expectOk(registryAdmin.post("/admin/v1/tenants", Map.of("id", TENANT, "display_name", "Acme")), "creating the tenant");
        String apiKey = AdminHttp.expectOk(registryAdmin.post("/admin/v1/tenants/" + TENANT + "/keys", Map.of("name", "ci")), "issuing a key")
                .get("key").asString();

        byte[] caps = Files.readAllBytes(Path.of(System.getProperty("signet.home"), "models/deltas/caps.safetensors"));
        String digest = ArtifactUpload.upload(storeAdmin, "caps.safetensors", caps, CHUNK);
        assertThat(digest).isEqualTo(ArtifactUpload.sha256(caps));
        JsonNode binding = AdminHttp.expectOk(storeAdmin.post("/admin/v1/artifacts/" + digest + "/publish",
                Map.of("tenant", TENANT, "model", MODEL)), "publishing the caps delta");
        assertThat(binding.get("delta").asString()).isEqualTo(digest);

        Waiting.until("the worker is in Redis residency", Duration.ofSeconds(20),
                () -> residency.workers().stream().map(WorkerReport::workerId).anyMatch(WORKER_ID::equals));
        assertThat(residency.holders(digest)).as("nobody holds the delta before it is asked for").isEmpty();

        List<ChatMessage> chat = List.of(new ChatMessage("user", "Tell me a story about a cat"));
        JsonNode completion = AdminHttp.expectOk(new AdminHttp(gateway.api(), apiKey).post("/v1/chat/completions", Map.of(
                "model", MODEL,
                "messages", List.of(Map.of("role", "user", "content", chat.getFirst().content())),
                "max_tokens", MAX_TOKENS,
                "temperature", 0)), "the tenant's chat completion");
        assertThat(completion.get("model").asString()).isEqualTo(MODEL);
        assertThat(completion.at("/choices/0/message/content").asString()).isEqualTo(GreedyOracle.chat("caps", chat, MAX_TOKENS));

        JsonNode cached = AdminHttp.expectOk(new AdminHttp(worker.api(), ADMIN_TOKEN).get("/v1/deltas"), "the worker's delta cache");
        assertThat(StreamSupport.stream(cached.get("deltas").spliterator(), false).map(d -> d.get("digest").asString()))
                .as("the worker fetched the delta from the store").contains(digest);
        Waiting.until("Redis residency shows the worker holding the delta", Duration.ofSeconds(10),
                () -> residency.holders(digest).stream().map(DeltaHolder::workerId).anyMatch(WORKER_ID::equals));
        Waiting.until("the registry counted the request's usage", Duration.ofSeconds(10),
                () -> registryAdmin.get("/admin/v1/tenants/" + TENANT + "/usage").body().path("requests").asLong() == 1);
    }
}
