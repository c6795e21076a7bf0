package dev.signet.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.bench.MedusaBenchmark;
import dev.signet.engine.medusa.MedusaHeads;
import dev.signet.engine.medusa.MedusaSpeculator;
import dev.signet.engine.medusa.MedusaTree;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Medusa inside the multi-tenant batch, with the bundled heads (the base's, and caps' own on the caps delta):
 * greedy output with speculation is token-identical to plain greedy decoding, alone and mixed with other
 * tenants, and the heads' trees are accepted at least as often as their own top-k accuracies predict.
 */
class SpeculativeServingTest {
    static final List<String> PROMPTS = MedusaBenchmark.PROMPTS;
    static final int TOKENS = 128;
    static ServingRig rig;
    static MedusaHeads baseHeads;
    static MedusaHeads capsHeads;

    @BeforeAll
    static void open() {
        rig = new ServingRig(new ModelOptions(256, 400, 16));
        baseHeads = MedusaHeads.load(Fixtures.repoRoot().resolve("models/medusa/stories260K"), rig.model.config(), rig.backend);
        capsHeads = MedusaHeads.load(Fixtures.repoRoot().resolve("models/medusa/caps"), rig.model.config(), rig.backend);
    }

    @AfterAll
    static void close() {
        baseHeads.close();
        capsHeads.close();
        rig.close();
    }

    /** Base heads for the base and for tenants without heads; caps drafts with its own. */
    private static Scheduler speculating(int maxRunning, int draftRows) {
        MedusaSpeculator speculator = MedusaSpeculator.standardTrees(rig.model, baseHeads, Map.of("caps", capsHeads), true);
        return new Scheduler(rig.model, rig.checkpoint.tokenizer(), rig.checkpoint.stopTokenIds(),
                SchedulerConfig.of(maxRunning).withDraftRows(draftRows), rig.deltas, speculator);
    }

    record Run(String delta, String prompt, CollectingSink sink) {}

    private static List<Run> serve(Scheduler scheduler, List<String> deltas, List<String> prompts) {
        SamplingParams params = SamplingParams.greedy(TOKENS).withIgnoreEos(true);
        List<Run> runs = new ArrayList<>();
        for (String delta : deltas) {
            for (String prompt : prompts) {
                Run r = new Run(delta, prompt, new CollectingSink());
                runs.add(r);
                scheduler.submit(new ServeRequest("r" + runs.size(), "tenant-" + delta, delta, rig.prompt(prompt), params, r.sink()));
            }
        }
        ServingRig.runUntilDone(scheduler, runs.stream().map(Run::sink).toList(), 10_000);
        return runs;
    }

    private static void assertPlainGreedy(List<Run> runs) {
        SamplingParams params = SamplingParams.greedy(TOKENS).withIgnoreEos(true);
        for (Run r : runs) {
            assertThat(r.sink().failure).isNull();
            assertThat(r.sink().tokenArray()).as("%s '%s'", r.delta(), r.prompt()).isEqualTo(rig.alone(r.delta(), r.prompt(), params));
        }
    }

    @Test
    void greedyWithSpeculationIsPlainGreedyForTheBaseAndForCapsWithItsOwnHeadsAlone() {
        for (String delta : Arrays.asList(null, "caps")) {
            for (String prompt : PROMPTS) {
                List<Run> runs = serve(speculating(4, 64), Arrays.asList(delta), List.of(prompt));
                assertPlainGreedy(runs);
                SpeculationStats spec = runs.getFirst().sink().completion.speculation();
                assertThat(spec.drafts()).as("tree steps").isPositive();
                assertThat(spec.acceptedTokens()).as("accepted drafts").isPositive();
            }
        }
    }

    @Test
    void greedyWithSpeculationIsPlainGreedyInsideABatchWithOtherTenants() {
        Scheduler scheduler = speculating(16, 48);
        List<Run> runs = serve(scheduler, Arrays.asList(null, "caps", "pycode", "legal"), PROMPTS);
        assertPlainGreedy(runs);
        assertThat(scheduler.state().acceptedTokens()).isPositive();
    }

    /**
     * The acceptance the heads' own accuracies predict for a tree, as Medusa estimates it: a node at ranks
     * (r1 … rd) is on the accepted path with probability Π p_j(r_j), p_j(0) = head j's top-1 accuracy and
     * p_j(r) = (top-5 − top-1) / 4 for ranks 1 to 4 (the fixtures give top-1 and top-5 only); the expected
     * accepted length is the sum over the nodes.
     */
    static double predictedAccepted(MedusaTree tree, double[] top1, double[] top5) {
        double sum = 0;
        for (int n = 1; n < tree.size(); n++) {
            double p = 1;
            List<Integer> ranks = tree.ranksTo(n);
            for (int j = 0; j < ranks.size(); j++) {
                int r = ranks.get(j);
                p *= r == 0 ? top1[j] : r <= 4 ? (top5[j] - top1[j]) / 4 : 0;
            }
            sum += p;
        }
        return sum;
    }

    @Test
    void acceptedTokensPerStepReachWhatTheHeadsAccuraciesPredict() {
        MedusaTree tree = MedusaTree.standard(3);
        double baseTokensPerStep = 1 + predictedAccepted(tree, new double[] {0.199, 0.110, 0.082}, new double[] {0.392, 0.238, 0.187});
        double capsTokensPerStep = 1 + predictedAccepted(tree, new double[] {0.440, 0.325, 0.260}, new double[] {0.734, 0.622, 0.550});
        for (String delta : Arrays.asList(null, "caps")) {
            List<Run> runs = serve(speculating(4, 64), Arrays.asList(delta), PROMPTS);
            int drafts = runs.stream().mapToInt(r -> r.sink().completion.speculation().drafts()).sum();
            int accepted = runs.stream().mapToInt(r -> r.sink().completion.speculation().acceptedTokens()).sum();
            double measured = 1 + (double) accepted / drafts;
            double predicted = delta == null ? baseTokensPerStep : capsTokensPerStep;
            System.out.printf("Medusa %s heads, tree of %d nodes: %.3f tokens per tree step measured, %.3f predicted%n",
                    delta == null ? "base" : delta, tree.size(), measured, predicted);
            assertThat(measured).as("tokens per step for %s", delta == null ? "base" : delta).isGreaterThanOrEqualTo(predicted);
        }
    }
}
