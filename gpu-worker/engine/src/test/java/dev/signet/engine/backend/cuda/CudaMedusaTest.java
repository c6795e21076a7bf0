package dev.signet.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.bench.MedusaBenchmark;
import dev.signet.engine.scheduler.BatchRun;
import dev.signet.engine.testing.MedusaRig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Medusa on the GPU with the fixture heads: greedy generation with speculation on {@link CudaBackend}, through the
 * serving scheduler, is token-identical to plain greedy decoding on the GPU and on the CPU backend, 128 tokens on
 * the reference prompts, for the base with its heads and for caps (plain BitDelta) with its own, each request alone
 * and all of them in one batch. Skipped without a GPU.
 */
class CudaMedusaTest {
    private static final int TOKENS = 128;
    private static final List<String> OWNERS = Arrays.asList(null, MedusaRig.CAPS);
    private static final int SEQUENCES = OWNERS.size() * MedusaBenchmark.PROMPTS.size();

    private static CudaBackend gpu;
    private static MedusaRig rig;
    private static List<BatchRun.Request> requests;
    private static List<int[]> cpuPlain;   // per request, plain greedy on the CPU backend
    private static List<int[]> gpuPlain;   // the same on the GPU

    @BeforeEach
    void needsAGpu() {
        GpuAssumption.requireGpu();
    }

    @BeforeAll
    static void open() {
        if (CudaAvailability.unavailableReason().isPresent()) {
            return;   // each test skips, saying why
        }
        cpuPlain = new ArrayList<>();
        try (VectorCpuBackend cpu = new VectorCpuBackend(2); MedusaRig cpuRig = rig(cpu)) {
            requests = new ArrayList<>();
            for (String owner : OWNERS) {
                for (String prompt : MedusaBenchmark.PROMPTS) {
                    requests.add(cpuRig.request(owner, prompt));
                }
            }
            requests.forEach(r -> cpuPlain.add(cpuRig.plainGreedy(r, TOKENS)));
        }
        gpu = new CudaBackend();
        rig = rig(gpu);
        gpuPlain = requests.stream().map(r -> rig.plainGreedy(r, TOKENS)).toList();
    }

    private static MedusaRig rig(Backend backend) {
        return new MedusaRig(backend, SEQUENCES, TOKENS + 128, 128);
    }

    @AfterAll
    static void close() {
        if (rig != null) {
            rig.close();
        }
        if (gpu != null) {
            gpu.close();
        }
    }

    private static String what(int i) {
        BatchRun.Request r = requests.get(i);
        return (r.delta() == null ? "base" : r.delta()) + " '" + MedusaBenchmark.PROMPTS.get(i % MedusaBenchmark.PROMPTS.size()) + "'";
    }

    /** Each output equal to plain greedy on the GPU and on the CPU; the GPU's plain greedy equal to the CPU's. */
    private static void assertPlainGreedy(List<BatchRun.Output> outputs, int first) {
        for (int i = 0; i < outputs.size(); i++) {
            int r = first + i;
            assertArrayEquals(cpuPlain.get(r), gpuPlain.get(r), "plain greedy on the GPU and the CPU: " + what(r));
            assertArrayEquals(gpuPlain.get(r), outputs.get(i).tokens(), "Medusa greedy on the GPU against plain greedy: " + what(r));
        }
    }

    @Test
    void eachRequestAloneIsPlainGreedyForTheBaseAndForCapsWithItsOwnHeads() {
        for (int r = 0; r < requests.size(); r++) {
            List<BatchRun.Output> out = rig.speculativeGreedy(List.of(requests.get(r)), 1, 64, TOKENS);
            assertPlainGreedy(out, r);
            assertThat(out.getFirst().speculation().drafts()).as("tree steps of %s", what(r)).isPositive();
            assertThat(out.getFirst().speculation().acceptedTokens()).as("accepted drafts of %s", what(r)).isPositive();
        }
    }

    @Test
    void baseAndCapsInOneBatchArePlainGreedy() {
        List<BatchRun.Output> out = rig.speculativeGreedy(requests, SEQUENCES, 48, TOKENS);
        assertPlainGreedy(out, 0);
        assertThat(out.stream().mapToInt(o -> o.speculation().acceptedTokens()).sum()).as("accepted drafts").isPositive();
    }
}
