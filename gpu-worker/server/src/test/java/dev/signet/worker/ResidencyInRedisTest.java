package dev.signet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.residency.DeltaHolder;
import dev.signet.residency.RedisResidencyRegistry;
import dev.signet.residency.Tier;
import dev.signet.residency.WorkerReport;
import dev.signet.residency.testing.RedisServers;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The worker's residency in a real Redis, read back the way the gateway reads it ({@link RedisResidencyRegistry}):
 * loads and evictions through the API show up with the right tiers, and a worker that shuts down cleanly is gone
 * from Redis at once.
 */
class ResidencyInRedisTest {
    static final String WORKER_ID = "worker-under-test";

    static RedisServers.Server redis;
    static String prefix = "signet-test-" + UUID.randomUUID();
    static RedisResidencyRegistry gatewayView;

    @BeforeAll
    static void startRedis() {
        redis = RedisServers.start();
        gatewayView = new RedisResidencyRegistry(redis.url(), prefix);
    }

    @AfterAll
    static void stopRedis() {
        if (gatewayView != null) {
            gatewayView.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void redisHoldsTheWorkersResidencyThroughLoadsEvictionsAndShutdown() {
        ConfigurableApplicationContext app = new SpringApplicationBuilder(WorkerApplication.class).run(
                "--server.port=0",
                "--management.server.port=0",
                "--signet.worker.threads=1",
                "--signet.worker.kv-blocks=64",
                "--signet.worker.max-batch-rows=32",
                "--signet.worker.max-running=8",
                "--signet.worker.worker-id=" + WORKER_ID,
                "--signet.worker.advertised-address=http://worker.test:8091",
                "--signet.worker.cache.disk-dir=" + WorkerTestFiles.scratch("redis-cache-"),
                "--signet.worker.residency.redis-url=" + redis.url(),
                "--signet.worker.residency.key-prefix=" + prefix,
                "--signet.worker.residency.heartbeat-interval=500ms",
                "--signet.worker.residency.heartbeat-ttl=5s");
        try {
            WorkerClient worker = new WorkerClient(app.getEnvironment().getRequiredProperty("local.server.port", Integer.class),
                    app.getEnvironment().getRequiredProperty("local.management.port", Integer.class));
            worker.awaitReady();
            WorkerReport registered = await(() -> gatewayView.workers().stream().filter(w -> w.workerId().equals(WORKER_ID)).findFirst()
                    .orElse(null), r -> r != null);
            assertThat(registered.info().address()).isEqualTo("http://worker.test:8091");
            assertThat(registered.info().backend()).isEqualTo("cpu");

            String caps = WorkerTestFiles.bundledDigest("caps");
            String pycode = WorkerTestFiles.bundledDigest("pycode");
            worker.api.put().uri("/v1/deltas/{digest}?tier=device", caps).exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.tier").isEqualTo("device");
            assertThat(await(() -> gatewayView.holders(caps), held(Tier.DEVICE)).getFirst().address()).isEqualTo("http://worker.test:8091");

            worker.api.put().uri("/v1/deltas/{digest}?tier=host", pycode).exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.tier").isEqualTo("host");
            await(() -> gatewayView.holders(pycode), held(Tier.HOST));

            worker.api.delete().uri("/v1/deltas/{digest}", caps).exchange().expectStatus().isNoContent();
            List<DeltaHolder> after = await(() -> gatewayView.holders(caps),
                    holders -> holders.stream().noneMatch(h -> h.workerId().equals(WORKER_ID) && h.tier().compareTo(Tier.HOST) <= 0));
            assertThat(after).as("an evicted delta stays on disk or is gone").allMatch(h -> h.tier() == Tier.DISK);
            assertThat(gatewayView.holders(pycode)).as("the other delta is untouched").anyMatch(h -> h.tier() == Tier.HOST);
        } finally {
            app.close();
        }
        assertThat(gatewayView.workers()).as("workers in Redis right after a clean shutdown")
                .noneMatch(w -> w.workerId().equals(WORKER_ID));
        assertThat(gatewayView.holders(WorkerTestFiles.bundledDigest("pycode"))).isEmpty();
    }

    private static Predicate<List<DeltaHolder>> held(Tier tier) {
        return holders -> holders.stream().anyMatch(h -> h.workerId().equals(WORKER_ID) && h.tier() == tier);
    }

    private static <T> T await(Supplier<T> read, Predicate<T> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        T last = read.get();
        while (!condition.test(last) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            last = read.get();
        }
        assertThat(condition.test(last)).as("residency in Redis within 10 s; last read %s", last).isTrue();
        return last;
    }
}
