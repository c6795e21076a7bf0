package dev.signet.engine.deltacache;

import static dev.signet.engine.deltacache.CachedWorker.bundledFile;
import static dev.signet.engine.deltacache.CachedWorker.digest;
import static dev.signet.engine.deltacache.DeltaCacheTest.listing;
import static dev.signet.engine.deltacache.DeltaCacheTest.size;
import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.scheduler.DeltaUnavailableException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin threads loading, pinning, unpinning and evicting while the step thread acquires and releases, under
 * budgets that hold two of the three deltas: every operation ends in success or a typed refusal, and afterwards
 * the tiers agree with the budgets and the directory.
 */
class ConcurrentUseTest {
    @TempDir
    Path disk;

    @Test
    void adminThreadsAndTheStepThreadTogetherKeepTheBudgetsAndTheDirectoryConsistent() throws Exception {
        List<String> deltas = List.of(digest("caps"), digest("pycode"), digest("legal"));
        long twoLargest = size(bundledFile("legal")) + size(bundledFile("caps"));
        DeltaCacheConfig config = new DeltaCacheConfig(2, twoLargest, disk, twoLargest, 2);
        ConcurrentLinkedQueue<CompletableFuture<?>> operations = new ConcurrentLinkedQueue<>();
        try (CachedWorker w = CachedWorker.bundled(config)) {
            ExecutorService admins = Executors.newFixedThreadPool(3);
            CountDownLatch adminsDone = new CountDownLatch(3);
            for (int t = 0; t < 3; t++) {
                Random random = new Random(t);
                admins.execute(() -> {
                    try {
                        for (int i = 0; i < 60; i++) {
                            String d = deltas.get(random.nextInt(deltas.size()));
                            switch (random.nextInt(5)) {
                                case 0 -> operations.add(w.cache.load(d, CacheTier.DISK, false));
                                case 1 -> operations.add(w.cache.load(d, CacheTier.HOST, random.nextInt(4) == 0));
                                case 2 -> operations.add(w.cache.load(d, CacheTier.DEVICE, false));
                                case 3 -> operations.add(w.cache.evict(d));
                                default -> w.cache.unpin(d);
                            }
                        }
                    } finally {
                        adminsDone.countDown();
                    }
                });
            }
            // The step thread: requests come and go while the admins work.
            Random requests = new Random(42);
            List<String> inUse = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (adminsDone.getCount() > 0 || !operations.stream().allMatch(CompletableFuture::isDone)) {
                assertThat(System.currentTimeMillis()).as("everything settles in time").isLessThan(deadline);
                w.cache.beforeStep();
                String d = deltas.get(requests.nextInt(deltas.size()));
                if (inUse.size() < 2 && acquireOrNull(w, d) != null) {
                    inUse.add(d);
                }
                if (!inUse.isEmpty() && requests.nextBoolean()) {
                    w.cache.release(inUse.removeFirst());
                }
                for (String u : deltas) {
                    w.cache.unpin(u);   // so no pin outlives the admins and blocks device loads forever
                }
            }
            inUse.forEach(w.cache::release);
            admins.shutdown();
            assertThat(admins.awaitTermination(5, TimeUnit.SECONDS)).isTrue();

            for (CompletableFuture<?> op : operations) {
                try {
                    op.join();
                } catch (CompletionException e) {
                    assertThat(e.getCause()).isInstanceOfAny(DeltaInUseException.class, DeltaLoadException.class);
                    if (e.getCause() instanceof DeltaLoadException refused) {
                        assertThat(refused.getMessage()).containsAnyOf("budget", "device slots", "left the host tier");
                    }
                }
            }
            List<CachedDelta> entries = w.cache.entries();
            long onHost = entries.stream().filter(e -> e.tier() != CacheTier.DISK).mapToLong(CachedDelta::bytes).sum();
            long onDevice = entries.stream().filter(e -> e.tier() == CacheTier.DEVICE).count();
            assertThat(onHost).isLessThanOrEqualTo(config.hostBudgetBytes());
            assertThat(entries.stream().mapToLong(CachedDelta::bytes).sum()).isLessThanOrEqualTo(config.diskBudgetBytes());
            assertThat(w.cache.freeDeviceSlots()).isEqualTo(config.deviceSlots() - onDevice);
            assertThat(entries).allSatisfy(e -> assertThat(e.users()).isZero());

            w.cache.close();   // waits for loads a request started that may still be fetching
            assertThat(listing(disk)).as("every file is a delta the cache knows, and nothing half-written is left")
                    .containsExactlyInAnyOrderElementsOf(w.cache.entries().stream().map(e -> e.digest() + ".safetensors").toList());
        }
    }

    /** A request asks for its delta: it gets it, waits (null) or fails because the budgets cannot fit it now. */
    private static ResidentDelta acquireOrNull(CachedWorker w, String digest) {
        try {
            return w.cache.acquire(digest);
        } catch (DeltaUnavailableException refused) {
            assertThat(refused.getMessage()).containsAnyOf("budget", "device slots");
            return null;
        }
    }
}
