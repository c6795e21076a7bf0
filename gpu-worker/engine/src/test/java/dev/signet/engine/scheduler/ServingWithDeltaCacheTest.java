package dev.signet.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.bitdelta.BaseDigest;
import dev.signet.engine.deltacache.DeltaCache;
import dev.signet.engine.deltacache.DeltaCacheConfig;
import dev.signet.engine.deltacache.DirectoryDeltaSource;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler over the real delta cache, deltas named by digest and fetched from the bundled folder: with
 * fewer device slots than deltas, tenants take turns on the slots, cold deltas load while the batch runs, and
 * a tenant whose delta waits for a busy slot is not starved by another tenant's flood.
 */
class ServingWithDeltaCacheTest {
    static final Path BUNDLED = Fixtures.repoRoot().resolve("models/deltas");
    static final Map<String, String> DIGESTS = new DirectoryDeltaSource(BUNDLED).digestsByName();
    static ServingRig oracle;

    @TempDir
    Path disk;

    @BeforeAll
    static void open() {
        oracle = new ServingRig(new ModelOptions(48, 64, 16));
    }

    @AfterAll
    static void close() {
        oracle.close();
    }

    /** A worker's engine: base, cache with {@code slots} device slots, scheduler. */
    final class Worker implements AutoCloseable {
        final LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.repoRoot().resolve("models/stories260K"));
        final VectorCpuBackend backend = new VectorCpuBackend(2);
        final LlamaModel model = new LlamaModel(ckpt, backend, new ModelOptions(48, 160, 16));
        final DeltaCache cache;
        final Scheduler scheduler;

        Worker(int slots, int maxRunning) {
            cache = new DeltaCache(model, BaseDigest.of(ckpt.weights()), new DirectoryDeltaSource(BUNDLED),
                    new DeltaCacheConfig(slots, 1L << 30, disk, 1L << 30, 2));
            scheduler = new Scheduler(model, ckpt.tokenizer(), ckpt.stopTokenIds(), SchedulerConfig.of(maxRunning), cache);
        }

        void submit(String id, String tenant, String deltaName, String prompt, SamplingParams params, RequestSink sink) {
            scheduler.submit(new ServeRequest(id, tenant, deltaName == null ? null : DIGESTS.get(deltaName), ckpt.promptIds(prompt), params, sink));
        }

        /** Steps (sleeping while only loads are under way) until the sinks end; returns the steps that ran. */
        int runUntilDone(List<CollectingSink> sinks) throws InterruptedException {
            int steps = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (sinks.stream().anyMatch(s -> !s.ended())) {
                assertThat(System.nanoTime()).as("requests ended in time").isLessThan(deadline);
                if (scheduler.step()) {
                    steps++;
                } else {
                    scheduler.awaitWork(100, TimeUnit.MILLISECONDS);
                }
            }
            return steps;
        }

        @Override
        public void close() {
            scheduler.shutdown();
            cache.close();
            model.close();
            backend.close();
            ckpt.close();
        }
    }

    @Test
    void tenantsTakeTurnsOnTwoDeviceSlotsAndEachGetsItsModelsTokens() throws InterruptedException {
        try (Worker w = new Worker(2, 12)) {
            List<CollectingSink> sinks = new ArrayList<>();
            List<String> deltas = new ArrayList<>();
            List<String> prompts = new ArrayList<>();
            SamplingParams params = SamplingParams.greedy(20).withIgnoreEos(true);
            for (int i = 0; i < 24; i++) {
                String delta = ContinuousBatchingTest.TENANT_DELTAS.get(i % 8);
                String prompt = ContinuousBatchingTest.PROMPTS[i % 6];
                CollectingSink sink = new CollectingSink();
                sinks.add(sink);
                deltas.add(delta);
                prompts.add(prompt);
                w.submit("r" + i, "tenant-" + i % 8, delta, prompt, params, sink);
            }
            w.runUntilDone(sinks);
            for (int i = 0; i < sinks.size(); i++) {
                assertThat(sinks.get(i).failure).as("request %d", i).isNull();
                assertThat(sinks.get(i).tokenArray()).as("request %d (%s)", i, deltas.get(i))
                        .isEqualTo(oracle.alone(deltas.get(i), prompts.get(i), params));
            }
            assertThat(w.cache.entries()).allSatisfy(e -> assertThat(e.users()).isZero());
            assertThat(w.model.kvCache().usage()).isZero();
        }
    }

    @Test
    void aTenantWaitingForABusySlotIsNotStarvedByAnotherTenantsFlood() throws InterruptedException {
        int maxTokens = 12;
        try (Worker w = new Worker(1, 4)) {
            SamplingParams params = SamplingParams.greedy(maxTokens).withIgnoreEos(true);
            List<CollectingSink> flood = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                CollectingSink sink = new CollectingSink();
                flood.add(sink);
                w.submit("f" + i, "flooder", "caps", ContinuousBatchingTest.PROMPTS[i % 6], params, sink);
            }
            w.runUntilDone(flood.subList(0, 1));   // caps holds the only slot, its requests stream through it
            CollectingSink quiet = new CollectingSink();
            w.submit("q", "quiet", "legal", "Permission is hereby granted", params, quiet);

            int steps = w.runUntilDone(List.of(quiet));

            // Without draining, caps would keep the slot until the flood ends (32 / 4 × 12 ≈ 96 steps).
            assertThat(steps).as("steps until the quiet tenant's request finished").isLessThanOrEqualTo(3 * maxTokens + 4);
            assertThat(quiet.tokenArray()).isEqualTo(oracle.alone("legal", "Permission is hereby granted", params));
            assertThat(flood.stream().filter(CollectingSink::ended).count()).as("flood requests done by then").isLessThan(16);
            w.runUntilDone(flood);
        }
    }
}
