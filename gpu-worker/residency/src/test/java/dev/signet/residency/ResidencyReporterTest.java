package dev.signet.residency;

import static dev.signet.residency.Reports.LLAMA_CHAT;
import static dev.signet.residency.Reports.SQL_COPILOT;
import static dev.signet.residency.Reports.deltas;
import static dev.signet.residency.Reports.report;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.signet.residency.testing.RedisServers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reporter keeping a worker's record alive in a real Redis, through crashes, clean shutdowns and Redis restarts. */
class ResidencyReporterTest {
    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final Duration TTL = Duration.ofMillis(500); // 5 beats: a late beat on a busy CI machine is fine
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    private static RedisServers.Server server;
    private RedisResidencyRegistry registry;
    private final AtomicReference<WorkerReport> current =
            new AtomicReference<>(report("gpu-0", deltas(LLAMA_CHAT, Tier.DEVICE)));

    @BeforeAll
    static void startRedis() {
        server = RedisServers.start();
    }

    @AfterAll
    static void stopRedis() {
        server.close();
    }

    @BeforeEach
    void openRegistry() {
        registry = new RedisResidencyRegistry(server.url(), "test-" + UUID.randomUUID());
    }

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    @Test
    void heartbeatsKeepTheWorkerAlivePastManyTtls() {
        try (var reporter = new ResidencyReporter(registry, current::get, INTERVAL, TTL)) {
            reporter.start();
            awaitTrue("first publish", () -> registry.workers().size() == 1);

            long end = System.nanoTime() + TTL.multipliedBy(4).toNanos();
            while (System.nanoTime() < end) {
                assertThat(registry.workers()).containsExactly(current.get());
                assertThat(registry.holders(LLAMA_CHAT)).extracting(DeltaHolder::workerId).containsExactly("gpu-0");
                pause();
            }
        }
    }

    @Test
    void anAbandonedWorkerLooksCrashedAndExpiresAfterItsTtl() {
        var reporter = new ResidencyReporter(registry, current::get, INTERVAL, TTL);
        reporter.start();
        awaitTrue("first publish", () -> registry.workers().size() == 1);

        long abandonedAt = System.nanoTime();
        reporter.abandon();

        assertThat(registry.workers()).as("not removed, as a crash removes nothing").hasSize(1);
        awaitTrue("expiry", () -> registry.workers().isEmpty() && registry.holders(LLAMA_CHAT).isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - abandonedAt)).isLessThan(TTL.plusSeconds(1));
    }

    @Test
    void closeRemovesTheWorkerAtOnce() {
        var reporter = new ResidencyReporter(registry, current::get, INTERVAL, Duration.ofSeconds(30));
        reporter.start();
        awaitTrue("first publish", () -> registry.workers().size() == 1);

        reporter.close();

        assertThat(registry.workers()).isEmpty();
        assertThat(registry.holders(LLAMA_CHAT)).isEmpty();
    }

    @Test
    void changedPublishesPromptlyWithoutWaitingForTheNextBeat() {
        Duration rareBeats = Duration.ofSeconds(30);
        try (var reporter = new ResidencyReporter(registry, current::get, rareBeats, rareBeats.multipliedBy(3))) {
            reporter.start();
            awaitTrue("first publish", () -> registry.holders(LLAMA_CHAT).size() == 1);

            current.set(report("gpu-0", deltas(LLAMA_CHAT, Tier.HOST, SQL_COPILOT, Tier.DEVICE)));
            long changedAt = System.nanoTime();
            reporter.changed();

            awaitTrue("the change published", () -> registry.holders(SQL_COPILOT).size() == 1);
            assertThat(Duration.ofNanos(System.nanoTime() - changedAt)).isLessThan(Duration.ofSeconds(1));
            assertThat(registry.holders(LLAMA_CHAT)).extracting(DeltaHolder::tier).containsExactly(Tier.HOST);
        }
    }

    @Test
    void changedNeverBlocksTheCallerAndCoalescesIntoOnePublishOfTheLatestReport() throws InterruptedException {
        CountDownLatch slowRegistry = new CountDownLatch(1);
        AtomicInteger reportsTaken = new AtomicInteger();
        Duration rareBeats = Duration.ofSeconds(30);
        try (var reporter = new ResidencyReporter(registry, () -> {
            if (reportsTaken.incrementAndGet() == 1) {
                await(slowRegistry); // the first publish hangs, as a call to a stalled Redis would
            }
            return current.get();
        }, rareBeats, rareBeats.multipliedBy(3))) {
            reporter.start();
            awaitTrue("the first publish under way", () -> reportsTaken.get() == 1);

            long start = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                current.set(report("gpu-0", deltas(Reports.digest(Character.forDigit(i % 16, 16)), Tier.HOST)));
                reporter.changed();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));

            slowRegistry.countDown();
            awaitTrue("the stalled publish and one publish for all the changes",
                    () -> reportsTaken.get() == 2 && registry.workers().equals(List.of(current.get())));
            Thread.sleep(200); // a negative check: nothing else is queued behind them
            assertThat(reportsTaken.get()).isEqualTo(2);
        }
    }

    @Test
    void aWorkerReRegistersByItselfAfterRedisRestartsEmpty() {
        WorkerReport gpu0 = report("gpu-0", deltas(LLAMA_CHAT, Tier.DEVICE, SQL_COPILOT, Tier.DISK));
        current.set(gpu0);
        try (var reporter = new ResidencyReporter(registry, current::get, INTERVAL, Duration.ofSeconds(2))) {
            reporter.start();
            awaitTrue("first publish", () -> registry.workers().size() == 1);

            server.restart(); // all data and cached scripts gone, every connection dropped

            awaitTrue("re-registered", () -> {
                try {
                    return registry.workers().equals(List.of(gpu0));
                } catch (RuntimeException reconnecting) {
                    return false; // the gateway's reads fail too until Lettuce has reconnected
                }
            });
            assertThat(registry.holders(LLAMA_CHAT)).extracting(DeltaHolder::workerId, DeltaHolder::tier)
                    .containsExactly(tuple("gpu-0", Tier.DEVICE));
            assertThat(registry.holders(SQL_COPILOT)).extracting(DeltaHolder::tier).containsExactly(Tier.DISK);
        }
    }

    @Test
    void rejectsATtlThatDoesNotOutlastTheInterval() {
        assertThatThrownBy(() -> new ResidencyReporter(registry, current::get, Duration.ofSeconds(5), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be longer than the heartbeat interval");
        assertThatThrownBy(() -> new ResidencyReporter(registry, current::get, Duration.ZERO, TTL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval must be positive");
    }

    @Test
    void closingAReporterThatNeverStartedRemovesNothing() {
        WorkerReport other = report("gpu-1", Map.of());
        registry.publish(other, Duration.ofSeconds(30));
        new ResidencyReporter(registry, current::get, INTERVAL, TTL).close();

        assertThat(registry.workers()).containsExactly(other);
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + DEADLINE + " waiting for " + what);
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
