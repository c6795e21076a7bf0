package dev.signet.engine.deltacache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.bitdelta.BaseDigest;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.testing.Backends;
import dev.signet.engine.testing.Fixtures;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A worker's engine for the cache tests: a base on the CPU backend and a {@link DeltaCache} over it, with the
 * test thread playing the scheduler's step thread (it calls acquire, release and beforeStep, and sleeps on the
 * cache's wake action, never for a fixed time).
 */
final class CachedWorker implements AutoCloseable {
    /** The bundled demo deltas: real artifacts against the bundled base. */
    static final Path BUNDLED = Fixtures.repoRoot().resolve("models/deltas");
    static final Path BUNDLED_BASE = Fixtures.repoRoot().resolve("models/stories260K");
    private static final Map<String, String> DIGESTS = new DirectoryDeltaSource(BUNDLED).digestsByName();
    private static final long DEADLINE_MS = 10_000;

    final LlamaCheckpoint base;
    final Backend backend;
    final LlamaModel model;
    final String baseDigest;
    final DeltaCache cache;
    private final Semaphore wakes = new Semaphore(0);

    CachedWorker(Path baseDir, DeltaSource source, DeltaCacheConfig config) {
        this.base = LlamaCheckpoint.open(baseDir);
        this.backend = Backends.open("cpu");
        this.model = new LlamaModel(base, backend, ModelOptions.forSequences(4, 64, 64));
        this.baseDigest = BaseDigest.of(base.weights());
        this.cache = new DeltaCache(model, baseDigest, source, config);
        cache.onReady(wakes::release);
    }

    /** The bundled base serving the bundled deltas from their folder. */
    static CachedWorker bundled(DeltaCacheConfig config) {
        return new CachedWorker(BUNDLED_BASE, new DirectoryDeltaSource(BUNDLED), config);
    }

    static DeltaCacheConfig config(Path diskDir, int deviceSlots) {
        return new DeltaCacheConfig(deviceSlots, 1L << 30, diskDir, 1L << 30, 2);
    }

    /** The digest of a bundled delta: caps, pycode or legal. */
    static String digest(String name) {
        return DIGESTS.get(name);
    }

    static Path bundledFile(String name) {
        return BUNDLED.resolve(name + ".safetensors");
    }

    /** Waits for the cache to call the wake action. */
    void awaitWake() {
        try {
            assertThat(wakes.tryAcquire(DEADLINE_MS, TimeUnit.MILLISECONDS)).as("the cache woke the step loop in time").isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** What the scheduler does for a waiting request: each step, ask; when the answer is null, sleep until woken. */
    ResidentDelta acquireWhenReady(String digest) {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (true) {
            cache.beforeStep();
            ResidentDelta d = cache.acquire(digest);
            if (d != null) {
                return d;
            }
            sleepUntilWoken(deadline, "delta " + digest + " to become resident");
        }
    }

    /** Runs steps until {@code f} completes (a load to the device needs beforeStep) and returns its value. */
    <T> T await(CompletableFuture<T> f) {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (!f.isDone()) {
            cache.beforeStep();
            if (!f.isDone()) {
                sleepUntilWoken(deadline, "a cache operation to finish");
            }
        }
        try {
            return f.get();
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("the operation failed: " + e.getCause(), e.getCause());
        }
    }

    /** Runs steps until {@code f} fails and returns why. */
    Throwable failureOf(CompletableFuture<?> f) {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (!f.isDone()) {
            cache.beforeStep();
            if (!f.isDone()) {
                sleepUntilWoken(deadline, "a cache operation to fail");
            }
        }
        try {
            f.get();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return fail("expected the operation to fail, it completed with " + f.join());
    }

    private void sleepUntilWoken(long deadline, String what) {
        try {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0 || !wakes.tryAcquire(left, TimeUnit.MILLISECONDS)) {
                fail("waited " + DEADLINE_MS + " ms for " + what);
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The cache's entry for a digest, or null. */
    CachedDelta entry(String digest) {
        return cache.entries().stream().filter(e -> e.digest().equals(digest)).findFirst().orElse(null);
    }

    CacheTier tierOf(String digest) {
        CachedDelta e = entry(digest);
        return e == null ? null : e.tier();
    }

    @Override
    public void close() {
        cache.close();
        model.close();
        backend.close();
        base.close();
    }
}
