package dev.signet.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.sampling.FinishReason;
import dev.signet.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching across tenants on the bundled base and demo deltas: requests join and leave between
 * steps, prompts are chunked into the token budget, and every request still gets exactly the tokens its
 * tenant's model gives alone.
 */
class ContinuousBatchingTest {
    static final String[] PROMPTS = {"Once upon a time", "Lily wanted to", "def main(", "Permission is hereby granted",
            "The little dog ran to the park and saw a big red ball.", "One day, Tom and his mom went to the store to buy"};
    /** Eight tenants over the demo deltas, repeated, and the plain base. */
    static final List<String> TENANT_DELTAS = Arrays.asList("caps", "pycode", "legal", null, "caps", "pycode", "legal", null);

    static ServingRig rig;

    @BeforeAll
    static void open() {
        rig = new ServingRig(new ModelOptions(48, 160, 16));
    }

    @AfterAll
    static void close() {
        rig.close();
    }

    private final List<Scheduler> schedulers = new ArrayList<>();

    /** A scheduler over the shared rig; whatever a failed test left running is shut down after it. */
    private Scheduler scheduler(int maxRunning) {
        Scheduler s = rig.scheduler(maxRunning);
        schedulers.add(s);
        return s;
    }

    @AfterEach
    void shutDown() {
        schedulers.forEach(Scheduler::shutdown);
    }

    record Submitted(String delta, String prompt, SamplingParams params, CollectingSink sink) {}

    @Test
    void thirtyTwoConcurrentGreedyRequestsFromEightTenantsEachGetTheirModelsTokens() {
        Scheduler scheduler = scheduler(24);
        List<Submitted> all = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            String delta = TENANT_DELTAS.get(i % 8);
            SamplingParams params = SamplingParams.greedy(24 + i % 3 * 8).withIgnoreEos(i % 2 == 0);
            all.add(new Submitted(delta, PROMPTS[i % PROMPTS.length], params, new CollectingSink()));
        }
        // Half arrive at once; the rest join while the first half is mid-generation.
        for (int i = 0; i < 32; i++) {
            if (i == 16) {
                for (int s = 0; s < 5; s++) {
                    scheduler.step();
                }
                assertThat(scheduler.state().running()).as("first wave running").isPositive();
            }
            Submitted s = all.get(i);
            scheduler.submit(new ServeRequest("r" + i, "tenant-" + i % 8, s.delta(), rig.prompt(s.prompt()), s.params(), s.sink()));
        }
        ServingRig.runUntilDone(scheduler, all.stream().map(Submitted::sink).toList(), 2_000);

        for (int i = 0; i < all.size(); i++) {
            Submitted s = all.get(i);
            assertThat(s.sink().failure).as("request %d", i).isNull();
            assertThat(s.sink().tokenArray()).as("request %d (%s, '%s')", i, s.delta(), s.prompt())
                    .isEqualTo(rig.alone(s.delta(), s.prompt(), s.params()));
            assertThat(s.sink().completion.completionTokens()).isEqualTo(s.sink().tokens.size());
        }
        assertThat(rig.model.kvCache().usage()).as("every block back in the pool").isZero();
        assertThat(rig.deltas.pinned()).as("every delta pin released").isZero();
        assertThat(scheduler.state().running()).isZero();
    }

    @Test
    void aFloodFromOneTenantDoesNotStopAnotherTenantsRequests() {
        Scheduler scheduler = scheduler(4);
        int maxTokens = 16;
        SamplingParams params = SamplingParams.greedy(maxTokens).withIgnoreEos(true);
        List<CollectingSink> flood = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            CollectingSink sink = new CollectingSink();
            flood.add(sink);
            scheduler.submit(new ServeRequest("flood-" + i, "flooder", "caps", rig.prompt(PROMPTS[i % 4]), params, sink));
        }
        CollectingSink quiet = new CollectingSink();
        scheduler.submit(new ServeRequest("quiet", "quiet", "legal", rig.prompt("Permission is hereby granted"), params, quiet));

        int steps = ServingRig.runUntilDone(scheduler, List.of(quiet), 1_000);

        // First-come-first-served would put it behind ten waves of four floods (160 steps); fairness admits it as
        // soon as the first running flood request ends.
        assertThat(steps).as("steps until the quiet tenant's request finished").isLessThanOrEqualTo(2 * maxTokens + 2);
        assertThat(quiet.completion.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(flood.stream().filter(CollectingSink::ended).count()).as("flood requests done by then").isLessThanOrEqualTo(8);
        ServingRig.runUntilDone(scheduler, flood, 1_000);
    }

    @Test
    void twoFloodingTenantsShareTheWorkerEvenly() {
        Scheduler scheduler = scheduler(4);
        SamplingParams params = SamplingParams.greedy(8).withIgnoreEos(true);
        List<CollectingSink> a = new ArrayList<>();
        List<CollectingSink> b = new ArrayList<>();
        // Tenant a arrives first with all its work; b's requests come after every one of a's.
        for (List<CollectingSink> sinks : List.of(a, b)) {
            String tenant = sinks == a ? "a" : "b";
            for (int i = 0; i < 24; i++) {
                CollectingSink sink = new CollectingSink();
                sinks.add(sink);
                scheduler.submit(new ServeRequest(tenant + i, tenant, sinks == a ? "pycode" : null, rig.prompt(PROMPTS[i % 6]), params, sink));
            }
        }
        int steps = 0;
        while (a.stream().filter(CollectingSink::ended).count() < 12) {
            scheduler.step();
            steps++;
            long doneA = a.stream().filter(CollectingSink::ended).count();
            long doneB = b.stream().filter(CollectingSink::ended).count();
            assertThat(Math.abs(doneA - doneB)).as("finished a vs b after %d steps", steps).isLessThanOrEqualTo(4);
        }
        ServingRig.runUntilDone(scheduler, b, 1_000);
        ServingRig.runUntilDone(scheduler, a, 1_000);
    }

    @Test
    void cancellingARequestFreesItsBlocksAtOnce() {
        Scheduler scheduler = scheduler(4);
        CollectingSink running = new CollectingSink();
        CollectingSink waiting = new CollectingSink();
        RequestHandle r = scheduler.submit(new ServeRequest("long", "t", "caps", rig.prompt(PROMPTS[4]),
                SamplingParams.greedy(200).withIgnoreEos(true), running));
        for (int s = 0; s < 40; s++) {
            scheduler.step();
        }
        assertThat(rig.model.kvCache().usage()).isPositive();
        assertThat(scheduler.state().running()).isEqualTo(1);

        r.cancel();
        RequestHandle w = scheduler.submit(new ServeRequest("queued", "t", "pycode", rig.prompt(PROMPTS[0]), SamplingParams.greedy(4), waiting));
        w.cancel();   // before it ever ran
        scheduler.step();

        assertThat(rig.model.kvCache().usage()).as("blocks after the cancelling step").isZero();
        assertThat(running.failure.kind()).isEqualTo(RequestFailure.Kind.CANCELLED);
        assertThat(running.tokens).hasSizeGreaterThanOrEqualTo(39);
        assertThat(waiting.failure.kind()).isEqualTo(RequestFailure.Kind.CANCELLED);
        assertThat(waiting.tokens).isEmpty();
        assertThat(rig.deltas.pinned()).isZero();
        assertThat(scheduler.state().running() + scheduler.state().waiting()).isZero();
    }

    @Test
    void preemptionUnderATinyKvPoolStillGivesTheCorrectTokens() {
        // 12 blocks of 8 positions: each request needs up to 7 blocks, six of them run at once.
        try (ServingRig tiny = new ServingRig(new ModelOptions(32, 12, 8))) {
            Scheduler scheduler = tiny.scheduler(6);
            List<Submitted> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Submitted s = new Submitted(TENANT_DELTAS.get(i), PROMPTS[i], SamplingParams.greedy(40).withIgnoreEos(true), new CollectingSink());
                all.add(s);
                scheduler.submit(new ServeRequest("p" + i, "tenant-" + i, s.delta(), tiny.prompt(s.prompt()), s.params(), s.sink()));
            }
            ServingRig.runUntilDone(scheduler, all.stream().map(Submitted::sink).toList(), 2_000);

            assertThat(scheduler.state().preemptions()).as("preemptions").isPositive();
            assertThat(all.stream().mapToInt(s -> s.sink().completion.preemptions()).sum()).isEqualTo(scheduler.state().preemptions());
            for (Submitted s : all) {
                assertThat(s.sink().tokenArray()).as("%s '%s'", s.delta(), s.prompt()).isEqualTo(rig.alone(s.delta(), s.prompt(), s.params()));
            }
            assertThat(tiny.model.kvCache().usage()).isZero();
        }
    }

    @Test
    void aColdDeltaWaitsWithoutStallingTheBatch() {
        Scheduler scheduler = scheduler(8);
        rig.deltas.cold.add("legal");
        CollectingSink warm = new CollectingSink();
        CollectingSink cold = new CollectingSink();
        SamplingParams params = SamplingParams.greedy(12).withIgnoreEos(true);
        scheduler.submit(new ServeRequest("cold", "t1", "legal", rig.prompt(PROMPTS[3]), params, cold));
        scheduler.submit(new ServeRequest("warm", "t2", "caps", rig.prompt(PROMPTS[0]), params, warm));
        for (int s = 0; s < 6; s++) {
            assertThat(scheduler.step()).as("the warm request runs while the cold delta loads").isTrue();
        }
        assertThat(warm.tokens).hasSize(6);
        assertThat(cold.tokens).isEmpty();
        assertThat(scheduler.state().waitingDeltas()).containsExactly("legal");

        rig.deltas.warm("legal");
        ServingRig.runUntilDone(scheduler, List.of(warm, cold), 100);
        assertThat(cold.tokenArray()).isEqualTo(rig.alone("legal", PROMPTS[3], params));
    }

    @Test
    void anUnavailableDeltaEndsOnlyItsRequest() {
        Scheduler scheduler = scheduler(8);
        CollectingSink missing = new CollectingSink();
        CollectingSink fine = new CollectingSink();
        scheduler.submit(new ServeRequest("m", "t1", "no-such-delta", rig.prompt(PROMPTS[0]), SamplingParams.greedy(4), missing));
        scheduler.submit(new ServeRequest("f", "t2", null, rig.prompt(PROMPTS[0]), SamplingParams.greedy(4), fine));
        ServingRig.runUntilDone(scheduler, List.of(missing, fine), 50);
        assertThat(missing.failure.kind()).isEqualTo(RequestFailure.Kind.DELTA_UNAVAILABLE);
        assertThat(missing.failure.message()).contains("no-such-delta");
        assertThat(fine.completion).isNotNull();
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsQueued() {
        Scheduler scheduler = scheduler(4);
        SamplingParams params = SamplingParams.greedy(4);
        assertThatThrownBy(() -> scheduler.submit(new ServeRequest("v", "t", null, new int[] {1, 99_999}, params, new CollectingSink())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("99999").hasMessageContaining("vocabulary");
        int[] tooLong = new int[rig.model.config().maxPositionEmbeddings()];
        Arrays.fill(tooLong, 1);
        assertThatThrownBy(() -> scheduler.submit(new ServeRequest("l", "t", null, tooLong, params, new CollectingSink())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no room");
        assertThat(scheduler.step()).as("nothing was queued").isFalse();
    }

    @Test
    void stopStringsEndRequestsWithoutShowingThem() {
        Scheduler scheduler = scheduler(4);
        CollectingSink plain = new CollectingSink();
        scheduler.submit(new ServeRequest("p", "t", null, rig.prompt(PROMPTS[0]), SamplingParams.greedy(40).withIgnoreEos(true), plain));
        ServingRig.runUntilDone(scheduler, List.of(plain), 100);
        String full = plain.text.toString();
        String stop = full.substring(20, 24);

        SamplingParams stopping = new SamplingParams(0f, 0, 1f, OptionalLong.empty(), 40, List.of(stop), true);
        CollectingSink sink = new CollectingSink();
        scheduler.submit(new ServeRequest("s", "t", null, rig.prompt(PROMPTS[0]), stopping, sink));
        ServingRig.runUntilDone(scheduler, List.of(sink), 100);
        assertThat(sink.completion.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(sink.text.toString()).isEqualTo(full.substring(0, full.indexOf(stop)));
    }
}
