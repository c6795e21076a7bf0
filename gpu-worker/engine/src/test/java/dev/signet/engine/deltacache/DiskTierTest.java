package dev.signet.engine.deltacache;

import static dev.signet.engine.deltacache.CachedWorker.bundledFile;
import static dev.signet.engine.deltacache.CachedWorker.digest;
import static dev.signet.engine.deltacache.DeltaCacheTest.listing;
import static dev.signet.engine.deltacache.DeltaCacheTest.size;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk tier: a directory of {@code <digest>.safetensors} files kept within its budget by LRU (pinned files
 * stay), filled only with files whose sha256 matched (a broken fetch leaves nothing under the digest's name), and
 * indexed again at start-up, where a name is trusted only once the file's hash is checked.
 */
class DiskTierTest {
    @TempDir
    Path disk;

    @Test
    void diskBudgetTrimsTheLeastRecentlyUsedFilesButKeepsPinnedOnes() {
        String caps = digest("caps");
        String pycode = digest("pycode");
        String legal = digest("legal");
        long budget = size(bundledFile("pycode")) + size(bundledFile("legal")) + 1000;
        try (CachedWorker w = CachedWorker.bundled(new DeltaCacheConfig(2, 1L << 30, disk, budget, 2))) {
            AtomicInteger reports = new AtomicInteger();
            w.cache.addListener(reports::incrementAndGet);
            w.await(w.cache.load(caps, CacheTier.DISK, false));
            w.await(w.cache.load(pycode, CacheTier.DISK, true));
            assertThat(listing(disk)).containsExactlyInAnyOrder(caps + ".safetensors", pycode + ".safetensors");

            reports.set(0);
            assertThat(w.await(w.cache.load(legal, CacheTier.DISK, false))).isEqualTo(CacheTier.DISK);
            assertThat(listing(disk)).as("caps, the least recently used, made room")
                    .containsExactlyInAnyOrder(pycode + ".safetensors", legal + ".safetensors");
            assertThat(w.tierOf(caps)).isNull();
            assertThat(reports.get()).isPositive();

            // Back comes caps: pycode is older but pinned, so legal goes.
            w.await(w.cache.load(caps, CacheTier.DISK, false));
            assertThat(listing(disk)).containsExactlyInAnyOrder(caps + ".safetensors", pycode + ".safetensors");
            assertThat(w.cache.entries()).extracting(CachedDelta::digest).containsExactlyInAnyOrder(caps, pycode);
        }
    }

    @Test
    void artifactLargerThanTheWholeDiskBudgetIsRefusedAndNotKept() {
        String legal = digest("legal");
        try (CachedWorker w = CachedWorker.bundled(new DeltaCacheConfig(2, 1L << 30, disk, 100_000, 2))) {
            Throwable failure = w.failureOf(w.cache.load(legal, CacheTier.HOST, false));
            assertThat(failure).isInstanceOf(DeltaLoadException.class).hasMessage(String.format(Locale.ROOT,
                    "delta %s: disk tier: the artifact is %,d bytes but the disk budget is 100,000 bytes, of which 0 are"
                    + " taken by deltas on the host, pinned or being loaded", legal, size(bundledFile("legal"))));
            assertThat(listing(disk)).isEmpty();
        }
    }

    @Test
    void fetchThatBreaksMidwayLeavesNoFileUnderTheDigestsName() {
        String legal = digest("legal");
        DeltaSource breaking = new DeltaSource() {
            @Override
            public String describe() {
                return "a source that breaks halfway";
            }

            @Override
            public void fetch(String digest, Path target) throws IOException {
                byte[] all = Files.readAllBytes(bundledFile("legal"));   // 220 kB: fine on the heap in a test
                try (OutputStream out = Files.newOutputStream(target)) {
                    out.write(all, 0, all.length / 2);
                }
                throw new IOException("stream closed halfway");
            }
        };
        try (CachedWorker w = new CachedWorker(CachedWorker.BUNDLED_BASE, breaking, CachedWorker.config(disk, 2))) {
            Throwable failure = w.failureOf(w.cache.load(legal, CacheTier.DISK, false));
            assertThat(failure).hasMessage("delta " + legal + ": disk tier: fetching from a source that breaks halfway failed:"
                    + " stream closed halfway");
            assertThat(listing(disk)).isEmpty();
        }
    }

    @Test
    void startupIndexesTheDirectoryAndRefetchesAFileWhoseHashIsWrong() throws IOException {
        String caps = digest("caps");
        String pycode = digest("pycode");
        Files.write(disk.resolve(caps + ".safetensors"), "not the caps artifact".getBytes());
        Files.copy(bundledFile("pycode"), disk.resolve(pycode + ".safetensors"));
        Files.write(disk.resolve(caps + ".123.partial"), new byte[10]);    // a crash during a fetch
        Files.write(disk.resolve(pycode + ".7.trash"), new byte[10]);      // a crash before an eviction's delete
        Files.write(disk.resolve("notes.txt"), "an operator's file".getBytes());

        List<String> fetched = new CopyOnWriteArrayList<>();
        DirectoryDeltaSource bundled = new DirectoryDeltaSource(CachedWorker.BUNDLED);
        DeltaSource counting = new DeltaSource() {
            @Override
            public String describe() {
                return bundled.describe();
            }

            @Override
            public void fetch(String digest, Path target) throws IOException {
                fetched.add(digest);
                bundled.fetch(digest, target);
            }
        };
        try (CachedWorker w = new CachedWorker(CachedWorker.BUNDLED_BASE, counting, CachedWorker.config(disk, 2))) {
            assertThat(listing(disk)).as("leftovers of a crash are gone, other files stay")
                    .containsExactlyInAnyOrder(caps + ".safetensors", pycode + ".safetensors", "notes.txt");
            assertThat(w.cache.entries()).extracting(CachedDelta::digest, CachedDelta::tier).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple(caps, CacheTier.DISK), org.assertj.core.groups.Tuple.tuple(pycode, CacheTier.DISK));

            assertThat(w.await(w.cache.load(pycode, CacheTier.HOST, false))).isEqualTo(CacheTier.HOST);
            assertThat(fetched).as("pycode's file hashed right: no fetch").isEmpty();

            assertThat(w.await(w.cache.load(caps, CacheTier.HOST, false))).isEqualTo(CacheTier.HOST);
            assertThat(fetched).as("caps' file was damaged: deleted and fetched again").containsExactly(caps);
            assertThat(disk.resolve(caps + ".safetensors")).hasSameBinaryContentAs(bundledFile("caps"));
        }
    }

    @Test
    void startupTrimsADirectoryOverItsBudget() throws IOException {
        List<String> names = new ArrayList<>();
        for (String t : List.of("caps", "pycode", "legal")) {
            Path f = disk.resolve(digest(t) + ".safetensors");
            Files.copy(bundledFile(t), f);
            Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(1_000_000L * (names.size() + 1)));
            names.add(f.getFileName().toString());
        }
        long budget = size(bundledFile("pycode")) + size(bundledFile("legal"));
        try (CachedWorker w = CachedWorker.bundled(new DeltaCacheConfig(2, 1L << 30, disk, budget, 2))) {
            assertThat(listing(disk)).as("caps was the oldest").containsExactlyInAnyOrder(names.get(1), names.get(2));
            assertThat(w.cache.entries()).hasSize(2);
        }
    }
}
