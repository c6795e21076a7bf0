package dev.signet.residency;

import static dev.signet.residency.Reports.LLAMA_CHAT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The records reject what would corrupt the shared registry, with messages that say what was wrong. */
class ResidencyRecordsTest {
    private static final WorkerLoad IDLE = new WorkerLoad(8, 0, 0, 0);

    @Test
    void tiersRankDeviceThenHostThenDiskAndUseLowerCaseLabels() {
        assertThat(Tier.values()).containsExactly(Tier.DEVICE, Tier.HOST, Tier.DISK);
        assertThat(Tier.DEVICE.label()).isEqualTo("device");
        for (Tier tier : Tier.values()) {
            assertThat(Tier.ofLabel(tier.label())).isSameAs(tier);
        }
        assertThatThrownBy(() -> Tier.ofLabel("DEVICE")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown residency tier 'DEVICE'").hasMessageContaining("[device, host, disk]");
    }

    @Test
    void aWorkerNeedsAnIdAnAddressAndABackend() {
        assertThatThrownBy(() -> new WorkerInfo(" ", "10.0.0.1:8080", "cuda", 8, 0, 64, 1024))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("worker id must not be blank, got ' '");
        assertThatThrownBy(() -> new WorkerInfo("gpu-0", "", "cuda", 8, 0, 64, 1024))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("address of worker gpu-0");
        assertThatThrownBy(() -> new WorkerInfo("gpu-0", "10.0.0.1:8080", null, 8, 0, 64, 1024))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backend of worker gpu-0");
        assertThatThrownBy(() -> new WorkerInfo("gpu-0", "10.0.0.1:8080", "cuda", -1, 0, 64, 1024))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deviceSlots must not be negative");
    }

    @Test
    void loadCountsAreNotNegativeAndKvUsageIsAFraction() {
        assertThatThrownBy(() -> new WorkerLoad(0, -1, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("queueDepth=-1");
        assertThatThrownBy(() -> new WorkerLoad(0, 0, 0, 87.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fraction from 0 to 1, got 87.5");
        assertThatThrownBy(() -> new WorkerLoad(0, 0, 0, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new WorkerLoad(0, 3, 5, 1).queuedAndRunning()).isEqualTo(8);
    }

    @Test
    void deltasAreKeyedByLowerCaseSha256HexAndTheReportKeepsItsOwnCopy() {
        WorkerInfo info = new WorkerInfo("gpu-0", "10.0.0.1:8080", "cuda", 8, 0, 64, 1024);
        Instant now = Instant.now();
        assertThatThrownBy(() -> new WorkerReport(info, IDLE, Map.of(LLAMA_CHAT.toUpperCase(), Tier.HOST), now))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 lower-case hex digits");
        assertThatThrownBy(() -> new WorkerReport(info, IDLE, Map.of("abc", Tier.HOST), now))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 'abc'");
        Map<String, Tier> withNullTier = new HashMap<>();
        withNullTier.put(LLAMA_CHAT, null);
        assertThatThrownBy(() -> new WorkerReport(info, IDLE, withNullTier, now))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("tier of delta " + LLAMA_CHAT);

        Map<String, Tier> deltas = new HashMap<>(Map.of(LLAMA_CHAT, Tier.DEVICE));
        WorkerReport report = new WorkerReport(info, IDLE, deltas, now);
        deltas.clear();
        assertThat(report.deltas()).containsOnlyKeys(LLAMA_CHAT);
    }
}
