package dev.signet.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Serving with the backend sampling decode rows (the GPU's path, here on the CPU backend): every seeded request of
 * several tenants, preempted and recomputed under a tiny KV pool, gets the tokens its model gives it alone with
 * logits read back and sampled on the host.
 */
class BackendSampledServingTest {
    @Test
    void seededRequestsGetTheirHostSampledTokensUnderPreemption() {
        try (ServingRig rig = new ServingRig(new ModelOptions(32, 12, 8))) {
            rig.model.samplesOnBackend(true);
            Scheduler scheduler = rig.scheduler(6);
            List<ContinuousBatchingTest.Submitted> all = new ArrayList<>();
            float[][] settings = {{0.8f, 0, 0.9f}, {1.2f, 40, 1f}, {1f, 0, 1f}, {0.6f, 5, 0.7f}, {0f, 0, 1f}, {1.5f, 0, 0.3f}};
            for (int i = 0; i < 6; i++) {
                float[] s = settings[i];
                SamplingParams params = new SamplingParams(s[0], (int) s[1], s[2], OptionalLong.of(100 + i), 40, List.of(), true);
                var sub = new ContinuousBatchingTest.Submitted(ContinuousBatchingTest.TENANT_DELTAS.get(i), ContinuousBatchingTest.PROMPTS[i],
                        params, new CollectingSink());
                all.add(sub);
                scheduler.submit(new ServeRequest("s" + i, "tenant-" + i, sub.delta(), rig.prompt(sub.prompt()), params, sub.sink()));
            }
            ServingRig.runUntilDone(scheduler, all.stream().map(ContinuousBatchingTest.Submitted::sink).toList(), 2_000);
            assertThat(scheduler.state().preemptions()).as("preemptions").isPositive();
            scheduler.shutdown();

            rig.model.samplesOnBackend(false);
            for (var s : all) {
                assertThat(s.sink().failure).isNull();
                assertThat(s.sink().tokenArray()).as("%s '%s' %s", s.delta(), s.prompt(), s.params())
                        .hasSize(40).isEqualTo(rig.alone(s.delta(), s.prompt(), s.params()));
            }
        }
    }
}
