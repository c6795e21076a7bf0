package dev.signet.residency;

import static dev.signet.residency.Reports.LLAMA_CHAT;
import static dev.signet.residency.Reports.SQL_COPILOT;
import static dev.signet.residency.Reports.SUPPORT_BOT;
import static dev.signet.residency.Reports.deltas;
import static dev.signet.residency.Reports.loadOf;
import static dev.signet.residency.Reports.report;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ResidencyRegistry} does, whatever stores it. Subclasses supply a fresh, empty registry per test
 * and a way to let time pass on the clock the registry expires records by.
 */
abstract class ResidencyRegistryContract {
    static final Duration TTL = Duration.ofSeconds(30);
    static final Duration SHORT_TTL = Duration.ofMillis(600);

    ResidencyRegistry registry;

    /** A registry that holds nothing yet, isolated from other tests' records. */
    abstract ResidencyRegistry newRegistry();

    /** Lets at least this much time pass on the registry's clock. */
    abstract void letTimePass(Duration duration) throws InterruptedException;

    /** Beyond the API: asserts the store keeps nothing at all that names the worker (Redis checks its raw keys). */
    void assertNothingStoredFor(String workerId) {}

    @BeforeEach
    void openRegistry() {
        registry = newRegistry();
    }

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    @Test
    void readsBackEachWorkersWholeReport() {
        WorkerReport gpu0 = report("gpu-0", deltas(LLAMA_CHAT, Tier.DEVICE, SQL_COPILOT, Tier.HOST));
        WorkerReport gpu1 = report("gpu-1", new WorkerLoad(0, 7, 64, 0.984375), deltas(SQL_COPILOT, Tier.DISK));
        registry.publish(gpu0, TTL);
        registry.publish(gpu1, TTL);

        assertThat(registry.workers()).containsExactlyInAnyOrder(gpu0, gpu1);
        assertThat(registry.holders(LLAMA_CHAT))
                .containsExactly(new DeltaHolder("gpu-0", gpu0.info().address(), Tier.DEVICE, gpu0.load()));
        assertThat(registry.holders(SQL_COPILOT)).containsExactly(
                new DeltaHolder("gpu-0", gpu0.info().address(), Tier.HOST, gpu0.load()),
                new DeltaHolder("gpu-1", gpu1.info().address(), Tier.DISK, gpu1.load()));
        assertThat(registry.holders(SUPPORT_BOT)).isEmpty();
    }

    @Test
    void aWorkerHoldingNoDeltasIsStillAWorker() {
        WorkerReport idle = report("gpu-0", Map.of());
        registry.publish(idle, TTL);

        assertThat(registry.workers()).containsExactly(idle);
        assertThat(registry.holders(LLAMA_CHAT)).isEmpty();
    }

    @Test
    void republishingReplacesTheReportAndDropsDeltasNoLongerHeld() {
        registry.publish(report("gpu-0", deltas(LLAMA_CHAT, Tier.DEVICE, SQL_COPILOT, Tier.HOST)), TTL);
        WorkerReport later = report("gpu-0", loadOf(9), deltas(LLAMA_CHAT, Tier.DISK, SUPPORT_BOT, Tier.DEVICE));
        registry.publish(later, TTL);

        assertThat(registry.workers()).containsExactly(later);
        assertThat(registry.holders(SQL_COPILOT)).isEmpty();
        assertThat(registry.holders(LLAMA_CHAT)).extracting(DeltaHolder::tier, DeltaHolder::load)
                .containsExactly(tuple(Tier.DISK, loadOf(9)));
        assertThat(registry.holders(SUPPORT_BOT)).extracting(DeltaHolder::workerId).containsExactly("gpu-0");
    }

    @Test
    void holdersComeBestTierFirstThenLeastQueuedAndRunning() {
        registry.publish(report("disk-idle", loadOf(0), deltas(LLAMA_CHAT, Tier.DISK)), TTL);
        registry.publish(report("host-busy", loadOf(12), deltas(LLAMA_CHAT, Tier.HOST)), TTL);
        registry.publish(report("device-busy", loadOf(40), deltas(LLAMA_CHAT, Tier.DEVICE)), TTL);
        registry.publish(report("host-quiet", loadOf(3), deltas(LLAMA_CHAT, Tier.HOST)), TTL);
        registry.publish(report("device-quiet", loadOf(1), deltas(LLAMA_CHAT, Tier.DEVICE)), TTL);

        assertThat(registry.holders(LLAMA_CHAT)).extracting(DeltaHolder::workerId)
                .containsExactly("device-quiet", "device-busy", "host-quiet", "host-busy", "disk-idle");
    }

    @Test
    void removeTakesTheWorkerAndItsDeltaEntriesOutAtOnce() {
        registry.publish(report("gpu-0", deltas(LLAMA_CHAT, Tier.DEVICE, SQL_COPILOT, Tier.HOST)), TTL);
        WorkerReport staying = report("gpu-1", deltas(LLAMA_CHAT, Tier.HOST));
        registry.publish(staying, TTL);

        registry.remove("gpu-0");

        assertThat(registry.workers()).containsExactly(staying);
        assertThat(registry.holders(LLAMA_CHAT)).extracting(DeltaHolder::workerId).containsExactly("gpu-1");
        assertThat(registry.holders(SQL_COPILOT)).isEmpty();
        assertNothingStoredFor("gpu-0");
    }

    @Test
    void removingAWorkerThatIsNotThereDoesNothing() {
        WorkerReport other = report("gpu-1", deltas(LLAMA_CHAT, Tier.HOST));
        registry.publish(other, TTL);

        registry.remove("gpu-0");

        assertThat(registry.workers()).containsExactly(other);
    }

    @Test
    void aWorkerThatStopsPublishingExpiresWithItsDeltaEntries() throws InterruptedException {
        registry.publish(report("gpu-0", deltas(LLAMA_CHAT, Tier.DEVICE, SQL_COPILOT, Tier.DISK)), SHORT_TTL);
        assertThat(registry.workers()).hasSize(1);
        assertThat(registry.holders(LLAMA_CHAT)).hasSize(1);

        letTimePass(SHORT_TTL.plusMillis(50));

        assertThat(registry.workers()).isEmpty();
        assertThat(registry.holders(LLAMA_CHAT)).isEmpty();
        assertThat(registry.holders(SQL_COPILOT)).isEmpty();
        assertNothingStoredFor("gpu-0");
    }

    @Test
    void eachHeartbeatRestartsTheTtl() throws InterruptedException {
        WorkerReport gpu0 = report("gpu-0", deltas(LLAMA_CHAT, Tier.DEVICE));
        registry.publish(gpu0, SHORT_TTL);
        letTimePass(SHORT_TTL.dividedBy(2));
        registry.publish(gpu0, SHORT_TTL);
        letTimePass(SHORT_TTL.dividedBy(2).plusMillis(100)); // past the first publish's expiry, not the second's

        assertThat(registry.workers()).containsExactly(gpu0);
        assertThat(registry.holders(LLAMA_CHAT)).extracting(DeltaHolder::workerId).containsExactly("gpu-0");
    }

    @Test
    void aLiveWorkerIsUnaffectedByAnotherWorkersExpiry() throws InterruptedException {
        registry.publish(report("short-lived", deltas(LLAMA_CHAT, Tier.DEVICE)), SHORT_TTL);
        WorkerReport longLived = report("long-lived", deltas(LLAMA_CHAT, Tier.DISK));
        registry.publish(longLived, TTL);

        letTimePass(SHORT_TTL.plusMillis(50));

        assertThat(registry.workers()).containsExactly(longLived);
        assertThat(registry.holders(LLAMA_CHAT)).extracting(DeltaHolder::workerId).containsExactly("long-lived");
    }

    @Test
    void rejectsANonPositiveTtl() {
        WorkerReport gpu0 = report("gpu-0", Map.of());
        assertThatThrownBy(() -> registry.publish(gpu0, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl must be positive");
        assertThatThrownBy(() -> registry.publish(gpu0, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl must be positive");
        assertThatThrownBy(() -> registry.publish(gpu0, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl must be positive");
        assertThat(registry.workers()).isEmpty();
    }

    @Test
    void rejectsABlankWorkerIdAndAMalformedDigest() {
        assertThatThrownBy(() -> registry.remove(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("worker id must not be blank");
        assertThatThrownBy(() -> registry.holders("sha256:" + LLAMA_CHAT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 lower-case hex digits");
    }
}
