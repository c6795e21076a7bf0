package dev.signet.engine.deltacache;

import static dev.signet.engine.deltacache.CachedWorker.bundledFile;
import static dev.signet.engine.deltacache.CachedWorker.config;
import static dev.signet.engine.deltacache.CachedWorker.digest;
import static dev.signet.engine.testing.Tolerance.assertClose;
import static dev.signet.engine.testing.Tolerance.relativeError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.engine.bitdelta.BitDeltaArtifact;
import dev.signet.engine.bitdelta.BitDeltaException;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.model.SequenceChunk;
import dev.signet.engine.scheduler.DeltaUnavailableException;
import dev.signet.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delta cache on real artifacts (the bundled demo deltas) and a real model: deltas come up from a source
 * through disk and host to a device slot and serve correctly; device and host tiers evict least recently used
 * deltas but never pinned or in-use ones; loads run off the step thread; failures are typed and reported once.
 */
class DeltaCacheTest {
    @TempDir
    Path disk;

    @Test
    void coldDeltaComesUpThroughDiskAndHostAndServesLikeADirectlyLoadedOne() {
        String caps = digest("caps");
        try (CachedWorker w = CachedWorker.bundled(config(disk, 2))) {
            assertThat(w.cache.acquire(caps)).as("a cold delta is not served at once").isNull();
            ResidentDelta cached = w.acquireWhenReady(caps);

            assertThat(disk.resolve(caps + ".safetensors")).exists().hasSameBinaryContentAs(bundledFile("caps"));
            assertThat(w.cache.entries()).containsExactly(new CachedDelta(caps, CacheTier.DEVICE, size(bundledFile("caps")), 1, false));
            assertThat(w.cache.freeDeviceSlots()).isEqualTo(1);

            try (BitDeltaArtifact artifact = BitDeltaArtifact.open(bundledFile("caps"), w.model.weights(), w.baseDigest);
                 ResidentDelta direct = w.model.load(artifact.delta("caps"))) {
                int[] prompt = w.base.promptIds("Once upon a time");
                float[] viaCache = lastLogits(w, prompt, cached);
                float[] loadedDirectly = lastLogits(w, prompt, direct);
                float[] baseOnly = lastLogits(w, prompt, null);
                assertClose(viaCache, loadedDirectly, 1e-6, "caps served from the cache");
                assertThat(relativeError(viaCache, baseOnly)).as("the delta changes the logits").isGreaterThan(1e-2);
            }
            w.cache.release(caps);
            assertThat(w.entry(caps).users()).isZero();
        }
    }

    @Test
    void acquireReturnsNullWhileTheLoadRunsOffTheStepThreadThenTheDelta() throws IOException {
        String caps = digest("caps");
        GatedSource gated = new GatedSource(new DirectoryDeltaSource(CachedWorker.BUNDLED));
        try (CachedWorker w = new CachedWorker(CachedWorker.BUNDLED_BASE, gated, config(disk, 2))) {
            assertThat(w.cache.acquire(caps)).isNull();
            w.cache.beforeStep();
            assertThat(w.cache.acquire(caps)).as("still loading: the step goes on without it").isNull();
            assertThat(w.tierOf(caps)).isNull();

            gated.open();
            w.awaitWake();
            w.cache.beforeStep();
            ResidentDelta d = w.cache.acquire(caps);
            assertThat(d).isNotNull();
            assertThat(d.id()).isEqualTo(caps);
            assertThat(gated.fetches.get()).as("one fetch for all the asking").isEqualTo(1);
            w.cache.release(caps);
        }
    }

    @Test
    void leastRecentlyUsedDeviceDeltaMakesRoomButPinnedAndInUseOnesStay() {
        String caps = digest("caps");
        String pycode = digest("pycode");
        String legal = digest("legal");
        try (CachedWorker w = CachedWorker.bundled(config(disk, 2))) {
            List<List<CachedDelta>> reports = new CopyOnWriteArrayList<>();
            w.cache.addListener(() -> reports.add(w.cache.entries()));
            w.await(CompletableFuture.allOf(w.cache.load(caps, CacheTier.HOST, false), w.cache.load(pycode, CacheTier.HOST, false),
                    w.cache.load(legal, CacheTier.HOST, false)));

            assertThat(w.cache.acquire(caps)).isNotNull();
            w.cache.release(caps);
            assertThat(w.cache.acquire(pycode)).isNotNull();   // stays in use
            reports.clear();
            assertThat(w.cache.acquire(legal)).isNotNull();
            assertThat(tiers(w, caps, pycode, legal)).containsExactly(CacheTier.HOST, CacheTier.DEVICE, CacheTier.DEVICE);
            assertThat(reports).as("the eviction was reported").isNotEmpty();
            assertThat(reports.getLast()).extracting(CachedDelta::digest, CachedDelta::tier)
                    .contains(org.assertj.core.groups.Tuple.tuple(caps, CacheTier.HOST));

            assertThat(w.cache.acquire(caps)).as("both slots are in use: caps waits").isNull();
            assertThat(w.cache.freeDeviceSlots()).isZero();

            // An explicit pinned load takes the slot of legal once it is released; pycode, still in use, stays.
            w.cache.release(legal);
            assertThat(w.await(w.cache.load(caps, CacheTier.DEVICE, true))).isEqualTo(CacheTier.DEVICE);
            assertThat(tiers(w, caps, pycode, legal)).containsExactly(CacheTier.DEVICE, CacheTier.DEVICE, CacheTier.HOST);
            assertThat(w.entry(caps).pinned()).isTrue();

            // caps is now the least recently used, but pinned: legal takes pycode's slot instead.
            w.cache.release(pycode);
            assertThat(w.cache.acquire(pycode)).isNotNull();
            w.cache.release(pycode);
            assertThat(w.cache.acquire(legal)).isNotNull();
            assertThat(tiers(w, caps, pycode, legal)).containsExactly(CacheTier.DEVICE, CacheTier.HOST, CacheTier.DEVICE);
            w.cache.release(legal);

            w.cache.unpin(caps);
            assertThat(w.entry(caps).pinned()).isFalse();
            assertThat(w.cache.acquire(pycode)).as("caps is evictable again").isNotNull();
            assertThat(tiers(w, caps, pycode, legal)).containsExactly(CacheTier.HOST, CacheTier.DEVICE, CacheTier.DEVICE);
            w.cache.release(pycode);
        }
    }

    @Test
    void slotsAllPinnedMakeTheDeltaUnavailable() {
        try (CachedWorker w = CachedWorker.bundled(config(disk, 1))) {
            w.await(w.cache.load(digest("caps"), CacheTier.DEVICE, true));
            w.await(w.cache.load(digest("pycode"), CacheTier.HOST, false));
            assertThatThrownBy(() -> w.cache.acquire(digest("pycode"))).isInstanceOf(DeltaUnavailableException.class)
                    .hasMessageContaining(digest("pycode")).hasMessageContaining("all 1 device slots hold pinned deltas");
        }
    }

    @Test
    void evictingADeltaInUseOrPinnedIsRefusedAndOtherwiseKeepsTheDiskCopy() {
        String caps = digest("caps");
        try (CachedWorker w = CachedWorker.bundled(config(disk, 2))) {
            w.acquireWhenReady(caps);
            assertThat(w.failureOf(w.cache.evict(caps))).isInstanceOf(DeltaInUseException.class)
                    .hasMessage("delta " + caps + " cannot be evicted: 1 running request uses it");
            w.cache.release(caps);

            w.await(w.cache.load(caps, CacheTier.HOST, true));
            assertThat(w.failureOf(w.cache.evict(caps))).isInstanceOf(DeltaInUseException.class)
                    .hasMessageContaining("pinned in the host tier");
            w.cache.unpin(caps);

            AtomicInteger reports = new AtomicInteger();
            w.cache.addListener(reports::incrementAndGet);
            CompletableFuture<Void> evicted = w.cache.evict(caps);
            assertThat(evicted).as("the device part waits for the step thread").isNotDone();
            w.await(evicted);
            assertThat(w.cache.entries()).containsExactly(new CachedDelta(caps, CacheTier.DISK, size(bundledFile("caps")), 0, false));
            assertThat(w.cache.freeDeviceSlots()).isEqualTo(2);
            assertThat(disk.resolve(caps + ".safetensors")).exists();
            assertThat(reports.get()).isPositive();
        }
    }

    @Test
    void hostBudgetEvictsLeastRecentlyUsedArtifactsAndRefusesWhatCannotFit() {
        String caps = digest("caps");
        String pycode = digest("pycode");
        String legal = digest("legal");
        long budget = size(bundledFile("pycode")) + size(bundledFile("legal")) + 1000;
        try (CachedWorker w = CachedWorker.bundled(new DeltaCacheConfig(2, budget, disk, 1L << 30, 2))) {
            w.await(w.cache.load(caps, CacheTier.HOST, false));
            w.await(w.cache.load(pycode, CacheTier.HOST, false));
            w.await(w.cache.load(legal, CacheTier.HOST, false));
            assertThat(tiers(w, caps, pycode, legal)).containsExactly(CacheTier.DISK, CacheTier.HOST, CacheTier.HOST);

            // Both host deltas pinned: caps cannot fit.
            w.await(w.cache.load(pycode, CacheTier.HOST, true));
            w.await(w.cache.load(legal, CacheTier.HOST, true));
            Throwable refused = w.failureOf(w.cache.load(caps, CacheTier.HOST, false));
            assertThat(refused).isInstanceOf(DeltaLoadException.class)
                    .hasMessageStartingWith("delta " + caps + ": host tier: the artifact is 65,396 bytes but the host budget is "
                            + String.format(Locale.ROOT, "%,d", budget) + " bytes");
            assertThat(((DeltaLoadException) refused).tier()).isEqualTo(CacheTier.HOST);
            assertThat(w.tierOf(caps)).as("the disk copy stays").isEqualTo(CacheTier.DISK);
        }
    }

    @Test
    void artifactForAnotherBaseFailsWithTheBaseDigestCheckAndLeavesNoCopy() {
        String caps = digest("caps");
        // The caps fine-tune served as if it were a base: the bundled deltas were made for stories260K, not for it.
        try (CachedWorker w = new CachedWorker(Fixtures.path("tenants/caps"), new DirectoryDeltaSource(CachedWorker.BUNDLED),
                config(disk, 2))) {
            Throwable failure = w.failureOf(w.cache.load(caps, CacheTier.DEVICE, false));
            assertThat(failure).isInstanceOf(DeltaLoadException.class)
                    .hasMessageContaining("delta " + caps + ": host tier: ")
                    .hasMessageContaining("base digest check failed: the delta was made against base")
                    .hasMessageContaining("it belongs to another base model");
            assertThat(failure.getCause()).isInstanceOfSatisfying(BitDeltaException.class,
                    e -> assertThat(e.check()).isEqualTo(BitDeltaException.Check.BASE_DIGEST));
            assertThat(w.cache.entries()).isEmpty();
            assertThat(listing(disk)).isEmpty();

            assertThat(w.cache.acquire(caps)).isNull();
            w.awaitWake();
            w.cache.beforeStep();
            assertThatThrownBy(() -> w.cache.acquire(caps)).isInstanceOf(DeltaUnavailableException.class)
                    .hasMessageContaining("delta " + caps + ": host tier: ").hasMessageContaining("base digest check failed");
        }
    }

    @Test
    void failedLoadIsReportedToTheRequestsAskingDuringOneStepThenRetried() {
        String caps = digest("caps");
        DirectoryDeltaSource bundled = new DirectoryDeltaSource(CachedWorker.BUNDLED);
        AtomicInteger attempts = new AtomicInteger();
        DeltaSource flaky = new DeltaSource() {
            @Override
            public String describe() {
                return "flaky " + bundled.describe();
            }

            @Override
            public void fetch(String digest, Path target) throws IOException {
                if (attempts.incrementAndGet() == 1) {
                    throw new IOException("connection reset by peer");
                }
                bundled.fetch(digest, target);
            }
        };
        try (CachedWorker w = new CachedWorker(CachedWorker.BUNDLED_BASE, flaky, config(disk, 2))) {
            assertThat(w.cache.acquire(caps)).isNull();
            w.awaitWake();
            w.cache.beforeStep();
            for (int request = 0; request < 2; request++) {
                assertThatThrownBy(() -> w.cache.acquire(caps)).isInstanceOf(DeltaUnavailableException.class)
                        .hasMessage("delta " + caps + ": disk tier: fetching from " + flaky.describe()
                                + " failed: connection reset by peer")
                        .hasCauseInstanceOf(DeltaLoadException.class);
            }
            assertThat(listing(disk)).as("a failed fetch leaves no file").isEmpty();

            w.cache.beforeStep();
            assertThat(w.cache.acquire(caps)).as("forgotten after one step: a new request retries").isNull();
            assertThat(w.acquireWhenReady(caps)).isNotNull();
            assertThat(attempts.get()).isEqualTo(2);
            w.cache.release(caps);
        }
    }

    @Test
    void digestMismatchFromTheSourceFailsAndLeavesNothingInTheDiskDirectory() throws IOException {
        String pycode = digest("pycode");
        DeltaSource wrongBytes = new DeltaSource() {
            @Override
            public String describe() {
                return "a source that sends caps for everything";
            }

            @Override
            public void fetch(String digest, Path target) throws IOException {
                Files.copy(bundledFile("caps"), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        };
        try (CachedWorker w = new CachedWorker(CachedWorker.BUNDLED_BASE, wrongBytes, config(disk, 2))) {
            Throwable failure = w.failureOf(w.cache.load(pycode, CacheTier.HOST, true));
            assertThat(failure).isInstanceOf(DeltaLoadException.class).hasMessage("delta " + pycode + ": disk tier: "
                    + wrongBytes.describe() + " sent 65,396 bytes whose sha256 is " + digest("caps")
                    + ", not the digest asked for; nothing was kept");
            assertThat(((DeltaLoadException) failure).tier()).isEqualTo(CacheTier.DISK);
            assertThat(listing(disk)).isEmpty();
            assertThat(w.cache.entries()).as("the pin of a load that failed is taken back").isEmpty();
        }
    }

    @Test
    void unknownDigestIsReportedAsNotFoundInTheSource() {
        String unknown = "0".repeat(64);
        try (CachedWorker w = CachedWorker.bundled(config(disk, 2))) {
            Throwable failure = w.failureOf(w.cache.load(unknown, CacheTier.HOST, false));
            assertThat(failure).hasMessage("delta " + unknown + ": disk tier: directory " + CachedWorker.BUNDLED.toAbsolutePath().normalize()
                    + " has no artifact with this digest");
            assertThat(failure.getCause()).isInstanceOf(DeltaNotFoundException.class);
            assertThat(listing(disk)).isEmpty();
        }
    }

    @Test
    void rejectsDigestsThatAreNotLowerCaseHexSha256() {
        try (CachedWorker w = CachedWorker.bundled(config(disk, 2))) {
            for (String bad : new String[] {"caps", "sha256:" + digest("caps"), digest("caps").toUpperCase(), digest("caps") + "0"}) {
                assertThatThrownBy(() -> w.cache.acquire(bad)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("64 lower-case hex digits").hasMessageContaining(bad);
                assertThatThrownBy(() -> w.cache.load(bad, CacheTier.HOST, false)).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> w.cache.evict(bad)).isInstanceOf(IllegalArgumentException.class);
            }
            assertThatThrownBy(() -> w.cache.release(digest("caps"))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no request acquired it");
        }
    }

    @Test
    void configRejectsWhatCannotWork() {
        assertThatThrownBy(() -> new DeltaCacheConfig(0, 1, disk, 1, 1)).hasMessage("deviceSlots must be at least 1, got 0");
        assertThatThrownBy(() -> new DeltaCacheConfig(1, 0, disk, 1, 1)).hasMessage("hostBudgetBytes must be positive, got 0");
        assertThatThrownBy(() -> new DeltaCacheConfig(1, 1, disk, -1, 1)).hasMessage("diskBudgetBytes must be positive, got -1");
        assertThatThrownBy(() -> new DeltaCacheConfig(1, 1, disk, 1, 0)).hasMessage("loaderThreads must be at least 1, got 0");
        assertThat(DeltaCacheConfig.defaults(disk).deviceSlots()).isEqualTo(8);
    }

    /** A source that holds every fetch until opened, and counts them. */
    static final class GatedSource implements DeltaSource {
        final AtomicInteger fetches = new AtomicInteger();
        private final DeltaSource inner;
        private final CountDownLatch gate = new CountDownLatch(1);

        GatedSource(DeltaSource inner) {
            this.inner = inner;
        }

        void open() {
            gate.countDown();
        }

        @Override
        public String describe() {
            return "gated " + inner.describe();
        }

        @Override
        public void fetch(String digest, Path target) throws IOException {
            fetches.incrementAndGet();
            try {
                if (!gate.await(10, TimeUnit.SECONDS)) {
                    throw new IOException("the test never opened the gate");
                }
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            inner.fetch(digest, target);
        }
    }

    private static float[] lastLogits(CachedWorker w, int[] prompt, ResidentDelta delta) {
        KvSequence seq = new KvSequence();
        float[] logits = w.model.forward(List.of(new SequenceChunk(seq, prompt, false, delta))).last(0);
        w.model.kvCache().release(seq);
        return logits;
    }

    private static List<CacheTier> tiers(CachedWorker w, String... digests) {
        return Stream.of(digests).map(w::tierOf).toList();
    }

    static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static List<String> listing(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
