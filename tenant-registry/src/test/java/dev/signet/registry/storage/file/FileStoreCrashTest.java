package dev.signet.registry.storage.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.registry.TestDirs;
import dev.signet.registry.key.Sha256;
import dev.signet.registry.storage.Authentication;
import dev.signet.registry.storage.TenantRecord;
import dev.signet.registry.usage.TenantUsage;
import dev.signet.registry.usage.UsageReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The file store under kill -9: a child JVM ({@link CrashingWriter}) writes in a loop and prints each acknowledged
 * write; the test SIGKILLs it ({@link Process#destroyForcibly()}) at random points, several times over the same
 * directory (each new child also recovers what the last one left), then reopens the store and checks that every
 * acknowledged write is there, and that nothing is half-done: usage at most one unacknowledged report ahead, totals
 * consistent, revoked keys dead, deleted tenants gone with their keys.
 */
class FileStoreCrashTest {
    private static final int ROUNDS = 6;
    private static final int COMPACT_EVERY = 5; // compactions (and crashes inside them) happen often

    private final Path dir = TestDirs.create("registry-crash-");
    private final Random random = new Random(20261124);

    private final Set<String> tenants = new HashSet<>();
    private final Set<String> deleted = new HashSet<>();
    private final Map<String, String> keys = new HashMap<>(); // secret → tenant
    private final Set<String> revokedKeyIds = new HashSet<>();
    private final Map<String, String> keyIds = new HashMap<>(); // secret → key id
    private final Map<String, String> models = new HashMap<>(); // tenant → digest
    private final Map<String, List<String>> usage = new HashMap<>(); // tenant → acknowledged request ids
    // Tenants the write in flight at a kill may have changed without acknowledging: the last one created may have
    // had its key revoked, the one before it may have been deleted.
    private final Set<String> mayBeDeleted = new HashSet<>();
    private final Set<String> mayBeRevoked = new HashSet<>();
    private long lastCreated;

    @Test
    void everyAcknowledgedWriteSurvivesRepeatedKillMinus9() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            int killAfter = 5 + random.nextInt(120);
            runUntilKilled(round, round * 100_000L + 1, killAfter, round == 0);
        }

        try (FileRegistryStore store = FileRegistryStore.open(dir, Duration.ofHours(1), COMPACT_EVERY)) {
            for (String tenant : tenants) {
                Optional<TenantRecord> record = store.tenant(tenant);
                if (deleted.contains(tenant) || (mayBeDeleted.contains(tenant) && record.isEmpty())) {
                    assertThat(record).as("deleted tenant %s", tenant).isEmpty();
                    continue;
                }
                assertThat(record).as("acknowledged tenant %s", tenant).isPresent();
                if (models.containsKey(tenant)) {
                    assertThat(record.get().models()).as("model of %s", tenant).singleElement()
                            .satisfies(m -> assertThat(m.delta()).isEqualTo(models.get(tenant)));
                }
                long n = Long.parseLong(tenant.substring(1));
                TenantUsage counted = store.usage(tenant);
                int acknowledged = usage.getOrDefault(tenant, List.of()).size();
                assertThat(counted.requests()).as("usage of %s: every acknowledged report, at most one more in flight", tenant)
                        .isBetween((long) acknowledged, acknowledged + 1L);
                assertThat(counted.promptTokens()).as("each of %s's reports has %d prompt tokens", tenant, n).isEqualTo(counted.requests() * n);
                assertThat(counted.byModel().values().stream().mapToLong(t -> t.requests()).sum()).isEqualTo(counted.requests());
            }
            for (Map.Entry<String, String> key : keys.entrySet()) {
                Optional<Authentication> auth = store.authenticate(Sha256.hex(key.getKey()));
                boolean dead = deleted.contains(key.getValue()) || revokedKeyIds.contains(keyIds.get(key.getKey()));
                if ((mayBeDeleted.contains(key.getValue()) || mayBeRevoked.contains(key.getValue())) && !dead) {
                    continue; // its revocation or its tenant's deletion may have been under way
                }
                assertThat(auth.isPresent()).as("key of %s (revoked or deleted: %s)", key.getValue(), dead).isEqualTo(!dead);
                auth.ifPresent(a -> assertThat(a.tenant().id()).isEqualTo(key.getValue()));
            }
            for (Map.Entry<String, List<String>> entry : usage.entrySet()) {
                if (!deleted.contains(entry.getKey())) {
                    for (String requestId : entry.getValue()) {
                        assertThat(store.recordUsage(new UsageReport(requestId, entry.getKey(), "m", 1, 1), 4))
                                .as("acknowledged request %s is remembered across crashes", requestId).isFalse();
                    }
                }
            }
        }
        assertThat(tenants.size()).as("the children got some work done").isGreaterThan(ROUNDS);
        assertThat(Files.exists(dir.resolve(FileRegistryStore.USAGE_FILE))).as("compaction ran").isTrue();
    }

    /**
     * Runs one child from tenant number {@code first} and kills it once it has acknowledged {@code killAfter} writes.
     * Its output goes to a file, not a pipe: what it printed before the kill is all there afterwards (a pipe's unread
     * lines die with the killed process's streams), so every acknowledgement is counted.
     */
    private void runUntilKilled(int round, long first, int killAfter, boolean checkLock) throws Exception {
        Path log = dir.resolveSibling(dir.getFileName() + "-child-" + round + ".log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CrashingWriter.class.getName(),
                dir.toString(), Long.toString(first), Integer.toString(COMPACT_EVERY))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            boolean lockChecked = !checkLock;
            List<String> lines = List.of();
            while (acks(lines) < killAfter) {
                assertThat(child.isAlive()).as("the child runs until killed; its output:\n%s", String.join("\n", lines)).isTrue();
                assertThat(System.nanoTime()).as("%d acknowledgements within 60 s", killAfter).isLessThan(deadline);
                if (!lockChecked && lines.stream().anyMatch(l -> l.startsWith("OPEN "))) {
                    String pid = Long.toString(child.pid());
                    assertThatThrownBy(() -> FileRegistryStore.open(dir, Duration.ofHours(1), COMPACT_EVERY))
                            .as("a second process on the same directory")
                            .hasMessageContaining("in use by another registry").hasMessageContaining(pid);
                    lockChecked = true;
                }
                Thread.sleep(2);
                lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            }
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no flush
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        // Every acknowledgement it printed, up to the kill, whether or not the loop above saw it.
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.startsWith("ACK ") && line.endsWith(" " + CrashingWriter.ACK_END)) {
                record(line.substring(4, line.length() - CrashingWriter.ACK_END.length() - 1).split(" "));
            }
        }
        mayBeRevoked.add("t" + lastCreated);
        mayBeDeleted.add("t" + (lastCreated - 1));
    }

    private static long acks(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("ACK ")).count();
    }

    private void record(String[] ack) {
        switch (ack[0]) {
            case "TENANT" -> {
                tenants.add(ack[1]);
                lastCreated = Long.parseLong(ack[1].substring(1));
            }
            case "KEY" -> {
                keys.put(ack[2], ack[1]);
                keyIds.put(ack[2], ack[3]);
            }
            case "MODEL" -> models.put(ack[1], ack[2]);
            case "USAGE" -> usage.computeIfAbsent(ack[1], t -> new ArrayList<>()).add(ack[2]);
            case "REVOKED" -> revokedKeyIds.add(ack[2]);
            case "DELETED" -> deleted.add(ack[1]);
            default -> throw new AssertionError("unknown acknowledgement " + String.join(" ", ack));
        }
    }
}
