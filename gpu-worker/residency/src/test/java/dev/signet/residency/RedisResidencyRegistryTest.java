package dev.signet.residency;

import static dev.signet.residency.Reports.LLAMA_CHAT;
import static dev.signet.residency.Reports.SQL_COPILOT;
import static dev.signet.residency.Reports.deltas;
import static dev.signet.residency.Reports.report;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.signet.residency.testing.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract on a real Redis, plus what only Redis has: the key layout of docs/residency.md, expiry on the server's
 * clock, index entries whose worker keys are gone, and a cold script cache. Each test has its own key prefix.
 */
class RedisResidencyRegistryTest extends ResidencyRegistryContract {

    private static RedisServers.Server server;
    private static RedisClient rawClient;
    private static StatefulRedisConnection<String, String> rawConnection;
    private String prefix;

    @BeforeAll
    static void startRedis() {
        server = RedisServers.start();
        rawClient = RedisClient.create(server.url());
        rawConnection = rawClient.connect();
    }

    @AfterAll
    static void stopRedis() {
        rawConnection.close();
        rawClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        server.close();
    }

    @Override
    ResidencyRegistry newRegistry() {
        prefix = "test-" + UUID.randomUUID();
        return new RedisResidencyRegistry(server.url(), prefix);
    }

    /** Redis expires keys on its own clock, so the test waits in real time. */
    @Override
    void letTimePass(Duration duration) throws InterruptedException {
        Thread.sleep(duration);
    }

    /** No key under this test's prefix is the worker's, and no index (zset) still has it as a member. */
    @Override
    void assertNothingStoredFor(String workerId) {
        RedisCommands<String, String> raw = raw();
        for (String key : raw.keys(prefix + ":*")) {
            assertThat(key).doesNotEndWith(":" + workerId);
            if (raw.type(key).equals("zset")) {
                assertThat(raw.zscore(key, workerId)).as("%s's entry in %s", workerId, key).isNull();
            }
        }
    }

    @Test
    void storesAReportAsDocumentedInDocsResidencyMd() {
        WorkerReport gpu0 = report("gpu-0", deltas(LLAMA_CHAT, Tier.DEVICE, SQL_COPILOT, Tier.DISK));
        registry.publish(gpu0, TTL);
        RedisCommands<String, String> raw = raw();

        Map<String, String> worker = raw.hgetall(prefix + ":worker:gpu-0");
        assertThat(worker).containsEntry("address", gpu0.info().address()).containsEntry("backend", "cuda")
                .containsEntry("device_slots", "8").containsEntry("host_bytes", Long.toString(4L << 30))
                .containsEntry("queue_depth", "1").containsEntry("running", "2").containsEntry("kv_usage", "0.25")
                .containsEntry("reported_at", gpu0.reportedAt().toString());
        assertThat(raw.hgetall(prefix + ":worker-deltas:gpu-0"))
                .isEqualTo(Map.of(LLAMA_CHAT, "device", SQL_COPILOT, "disk"));
        assertThat(raw.keys(prefix + ":*")).containsExactlyInAnyOrder(prefix + ":worker:gpu-0",
                prefix + ":worker-deltas:gpu-0", prefix + ":workers", prefix + ":delta:" + LLAMA_CHAT,
                prefix + ":delta:" + SQL_COPILOT);
    }

    @Test
    void everyKeyExpiresAndIndexScoresAreExpiriesOnTheServersClock() {
        registry.publish(report("gpu-0", deltas(LLAMA_CHAT, Tier.DEVICE)), TTL);
        RedisCommands<String, String> raw = raw();
        List<String> time = raw.time();
        double serverNowMs = Long.parseLong(time.get(0)) * 1000.0 + Long.parseLong(time.get(1)) / 1000.0;

        for (String key : raw.keys(prefix + ":*")) {
            assertThat(raw.pttl(key)).as("TTL of %s", key).isBetween(TTL.toMillis() - 2000, TTL.toMillis());
        }
        assertThat(raw.zscore(prefix + ":workers", "gpu-0")).isCloseTo(serverNowMs + TTL.toMillis(), within(2000.0));
        assertThat(raw.zscore(prefix + ":delta:" + LLAMA_CHAT, "gpu-0"))
                .isEqualTo(raw.zscore(prefix + ":workers", "gpu-0"));
    }

    @Test
    void anIndexEntryWhoseWorkerKeysAreGoneIsIgnored() {
        registry.publish(report("gpu-0", deltas(LLAMA_CHAT, Tier.DEVICE)), TTL);
        // What maxmemory eviction or an operator's DEL can do: the worker's keys go, its index entries stay.
        raw().del(prefix + ":worker:gpu-0", prefix + ":worker-deltas:gpu-0");

        assertThat(registry.workers()).isEmpty();
        assertThat(registry.holders(LLAMA_CHAT)).isEmpty();
    }

    @Test
    void publishesWhenRedisHasForgottenTheScripts() {
        registry.publish(report("gpu-0", deltas(LLAMA_CHAT, Tier.DEVICE)), TTL);
        raw().scriptFlush(); // as after a restart: EVALSHA now answers NOSCRIPT
        WorkerReport later = report("gpu-0", deltas(SQL_COPILOT, Tier.HOST));

        registry.publish(later, TTL);

        assertThat(registry.workers()).containsExactly(later);
    }

    @Test
    void whileRedisIsUnreachableCallsFailWithinTheTimeoutInsteadOfHanging() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        long start = System.nanoTime();
        try (var unreachable = new RedisResidencyRegistry("redis://127.0.0.1:" + closedPort, prefix)) {
            assertThatThrownBy(() -> unreachable.publish(report("gpu-0", Map.of()), TTL))
                    .isInstanceOf(RedisException.class);
            assertThatThrownBy(unreachable::workers).isInstanceOf(RedisException.class);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isLessThan(RedisResidencyRegistry.COMMAND_TIMEOUT.multipliedBy(3));
    }

    @Test
    void rejectsABlankUrlOrPrefix() {
        assertThatThrownBy(() -> new RedisResidencyRegistry(" ", "signet"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Redis URL must not be blank");
        assertThatThrownBy(() -> new RedisResidencyRegistry(server.url(), ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key prefix");
    }

    private static RedisCommands<String, String> raw() {
        return rawConnection.sync();
    }
}
