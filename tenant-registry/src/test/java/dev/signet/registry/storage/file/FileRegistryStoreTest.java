package dev.signet.registry.storage.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.registry.TestDirs;
import dev.signet.registry.tenant.Quota;
import dev.signet.registry.tenant.Tenant;
import dev.signet.registry.usage.UsageReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The file store's recovery paths, driven directly: torn and damaged journals, compaction, leftovers, the lock. */
class FileRegistryStoreTest {
    private static final Duration WINDOW = Duration.ofHours(1);
    private final Path dir = TestDirs.create("registry-store-");

    @Test
    void aTornLastJournalLineIsDroppedAndLaterAppendsStartOnACleanLine() throws IOException {
        seedTwoReports();
        Path journal = onlyJournal();
        Files.writeString(journal, "{\"op\":\"usage\",\"request_id\":\"r3\",\"ten", StandardOpenOption.APPEND); // a crash mid-append

        try (FileRegistryStore store = open(100)) {
            assertThat(store.usage("acme").requests()).isEqualTo(2);
            record(store, "r3", "acme", 30);
        }
        try (FileRegistryStore store = open(100)) {
            assertThat(store.usage("acme").requests()).as("the append after the torn line reads back").isEqualTo(3);
            assertThat(store.usage("acme").promptTokens()).isEqualTo(60);
        }
    }

    @Test
    void aDamagedLineBeforeTheLastRefusesToStartInsteadOfLosingUsage() throws IOException {
        seedTwoReports();
        Path journal = onlyJournal();
        List<String> lines = Files.readAllLines(journal);
        Files.write(journal, List.of(lines.get(0), "garbage", lines.get(1)));

        assertThatThrownBy(() -> open(100)).hasMessageContaining("damaged").hasMessageContaining(journal.getFileName().toString());
    }

    @Test
    void compactionFoldsJournalsIntoTheSnapshotAndEverythingReadsBackAfterARestart() throws IOException {
        try (FileRegistryStore store = open(2)) {
            store.createTenant(tenant("acme"));
            for (int i = 0; i < 7; i++) {
                record(store, "r" + i, "acme", i);
            }
            assertThat(store.recordUsage(new UsageReport("r3", "acme", "m", 99, 0), 100)).as("deduplicated across compactions").isFalse();
        }
        assertThat(Files.exists(dir.resolve(FileRegistryStore.USAGE_FILE))).isTrue();
        assertThat(UsageJournal.generations(dir)).as("folded journals are deleted").hasSize(1);
        try (FileRegistryStore store = open(2)) {
            assertThat(store.usage("acme").requests()).isEqualTo(7);
            assertThat(store.usage("acme").promptTokens()).isEqualTo(21);
            assertThat(store.recordUsage(new UsageReport("r0", "acme", "m", 99, 0), 100)).isFalse();
        }
    }

    @Test
    void aJournalAlreadyFoldedIntoTheSnapshotIsNotCountedTwice() throws IOException {
        try (FileRegistryStore store = open(3)) {
            store.createTenant(tenant("acme"));
            record(store, "r1", "acme", 1);
            record(store, "r2", "acme", 2);
        }
        byte[] folded = Files.readAllBytes(onlyJournal());
        Path foldedName = onlyJournal();
        try (FileRegistryStore store = open(3)) {
            record(store, "r3", "acme", 3); // the third entry compacts
        }
        Files.write(foldedName, folded); // as if the compaction crashed before deleting it
        try (FileRegistryStore store = open(3)) {
            assertThat(store.usage("acme").requests()).isEqualTo(3);
        }
        assertThat(Files.exists(foldedName)).isFalse();
    }

    @Test
    void usageOfATenantDeletedJustBeforeACrashIsDroppedForGood() throws IOException {
        try (FileRegistryStore store = open(100)) {
            store.createTenant(tenant("acme"));
            record(store, "r1", "acme", 10);
        }
        byte[] journalBeforeDelete = Files.readAllBytes(onlyJournal());
        try (FileRegistryStore store = open(100)) {
            store.deleteTenant("acme");
        }
        Files.write(onlyJournal(), journalBeforeDelete); // the crash came between registry.json and the journal entry
        try (FileRegistryStore store = open(100)) {
            assertThat(store.tenant("acme")).isEmpty();
            store.createTenant(tenant("acme"));
            assertThat(store.usage("acme").requests()).as("a new tenant of that id starts from zero").isZero();
        }
        try (FileRegistryStore store = open(100)) {
            assertThat(store.usage("acme").requests()).as("and stays at zero after another restart").isZero();
        }
    }

    @Test
    void aTemporaryFileLeftByACrashIsRemovedAndTheOldStateKept() throws IOException {
        try (FileRegistryStore store = open(100)) {
            store.createTenant(tenant("acme"));
        }
        Path temp = dir.resolve(FileRegistryStore.REGISTRY_FILE + AtomicFile.TEMP_SUFFIX);
        Files.writeString(temp, "{\"version\":1,\"tenants\":[{\"tenant\"", StandardCharsets.UTF_8); // a write cut off before its rename
        try (FileRegistryStore store = open(100)) {
            assertThat(store.tenantIds()).containsExactly("acme");
        }
        assertThat(Files.exists(temp)).isFalse();
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefusedWithAClearError() {
        try (FileRegistryStore store = open(100)) {
            assertThatThrownBy(() -> open(100))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use by another registry")
                    .hasMessageContaining(Long.toString(ProcessHandle.current().pid()))
                    .hasMessageContaining("signet.registry.data-dir");
            assertThat(store.tenantIds()).as("the first store is unharmed").isEmpty();
        }
        open(100).close(); // and the lock is free once it is closed
    }

    /** Tenant acme with two reports (r1: 10 prompt tokens, r2: 20), store closed. */
    private void seedTwoReports() {
        try (FileRegistryStore store = open(100)) {
            store.createTenant(tenant("acme"));
            record(store, "r1", "acme", 10);
            record(store, "r2", "acme", 20);
        }
    }

    private FileRegistryStore open(long compactEvery) {
        return FileRegistryStore.open(dir, WINDOW, compactEvery);
    }

    private Path onlyJournal() throws IOException {
        List<Long> generations = UsageJournal.generations(dir);
        assertThat(generations).hasSize(1);
        return UsageJournal.file(dir, generations.getFirst());
    }

    private static Tenant tenant(String id) {
        return new Tenant(id, id, 1, new Quota(0, 0, 0));
    }

    private static void record(FileRegistryStore store, String requestId, String tenant, long promptTokens) {
        assertThat(store.recordUsage(new UsageReport(requestId, tenant, "m", promptTokens, 1), 100)).isTrue();
    }
}
