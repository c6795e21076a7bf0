package dev.signet.gateway;

import dev.signet.gateway.FakeRegistry.TenantAnswer;
import dev.signet.residency.RedisResidencyRegistry;
import dev.signet.residency.WorkerReport;
import dev.signet.residency.testing.RedisServers;
import dev.signet.worker.WorkerApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What the gateway talks to in the tests, started once per JVM: a real Redis, a real worker (the bundled stories260K
 * and demo deltas on the CPU) publishing its residency there, and a fake registry with tenants {@code caps},
 * {@code pycode} and {@code legal} whose models bind the bundled deltas, plus {@code tiny}, whose quota is small.
 */
final class TestPlatform {
    static final String ADMIN_TOKEN = "admin-" + UUID.randomUUID();
    static final String KEY_PREFIX = "signet-gw-test-" + UUID.randomUUID();
    static final String WORKER_ID = "worker-under-test";
    static final String GHOST_DIGEST = "0".repeat(64);   // bound by legal's ghost-model, held by no one

    static final Map<String, String> KEYS = Map.of(
            "caps", "sk-capsTestKey000000000000000000000000000000000000",
            "pycode", "sk-pycodeTestKey0000000000000000000000000000000000",
            "legal", "sk-legalTestKey00000000000000000000000000000000000",
            "tiny", "sk-tinyTestKey000000000000000000000000000000000000");

    private static TestPlatform started;

    final RedisServers.Server redis;
    final FakeRegistry registry;
    final ConfigurableApplicationContext worker;
    final int workerPort;
    final int workerManagementPort;
    final RedisResidencyRegistry residency;

    private TestPlatform() {
        redis = RedisServers.start();
        residency = new RedisResidencyRegistry(redis.url(), KEY_PREFIX);
        registry = new FakeRegistry(ADMIN_TOKEN, Map.of(
                KEYS.get("caps"), tenant("caps", Map.of(), Map.of("caps-model", digest("caps"))),
                KEYS.get("pycode"), tenant("pycode", Map.of(), Map.of("pycode-model", digest("pycode"))),
                KEYS.get("legal"), tenant("legal", Map.of(), Map.of("legal-model", digest("legal"), "ghost-model", GHOST_DIGEST)),
                KEYS.get("tiny"), tenant("tiny", Map.of("requests_per_minute", 100, "tokens_per_minute", 30, "max_concurrent", 2),
                        Map.of("tiny-model", digest("caps")))));
        workerPort = freePort();
        worker = new SpringApplicationBuilder(WorkerApplication.class).run(
                "--server.port=" + workerPort,
                "--management.server.port=0",
                "--spring.application.name=signet-worker",
                "--signet.worker.threads=1",
                "--signet.worker.kv-blocks=256",
                "--signet.worker.max-batch-rows=64",
                "--signet.worker.max-running=16",
                "--signet.worker.worker-id=" + WORKER_ID,
                "--signet.worker.advertised-address=http://127.0.0.1:" + workerPort,
                "--signet.worker.cache.disk-dir=" + scratch("worker-cache-"),
                "--signet.worker.residency.redis-url=" + redis.url(),
                "--signet.worker.residency.key-prefix=" + KEY_PREFIX,
                "--signet.worker.residency.heartbeat-interval=500ms",
                "--signet.worker.residency.heartbeat-ttl=3s");
        workerManagementPort = worker.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
        awaitWorkerInResidency();
    }

    /** The platform, started on first use and stopped when the JVM exits. */
    static synchronized TestPlatform get() {
        if (started == null) {
            started = new TestPlatform();
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
        }
        return started;
    }

    private void awaitWorkerInResidency() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (residency.workers().stream().map(WorkerReport::workerId).noneMatch(WORKER_ID::equals)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the worker did not publish its residency to Redis within 60 s");
            }
            sleep(50);
        }
    }

    private void stop() {
        worker.close();
        residency.close();
        registry.close();
        redis.close();
    }

    private static TenantAnswer tenant(String id, Map<String, Object> quota, Map<String, String> models) {
        return new TenantAnswer(id, quota, models);
    }

    static Path repo() {
        return Path.of(System.getProperty("signet.home")).toAbsolutePath();
    }

    static Path delta(String name) {
        return repo().resolve("models/deltas/" + name + ".safetensors");
    }

    /** The sha256 of a bundled delta: the digest its tenant's model binds. */
    static String digest(String name) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(delta(name))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path scratch(String prefix) {
        try {
            Files.createDirectories(Path.of("target"));
            return Files.createTempDirectory(Path.of("target"), prefix).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
