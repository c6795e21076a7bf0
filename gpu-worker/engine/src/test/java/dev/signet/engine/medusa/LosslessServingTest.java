package dev.signet.engine.medusa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.SequenceChunk;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.scheduler.Completion;
import dev.signet.engine.scheduler.DeltaProvider;
import dev.signet.engine.scheduler.RequestFailure;
import dev.signet.engine.scheduler.RequestSink;
import dev.signet.engine.scheduler.Scheduler;
import dev.signet.engine.scheduler.SchedulerConfig;
import dev.signet.engine.scheduler.ServeRequest;
import dev.signet.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Sampling with speculation keeps the model's distribution: 4000 seeded requests of three tokens from BOS at
 * temperature 1 on the bundled base with its Medusa heads, trees verified losslessly inside the batch, give first tokens, token
 * pairs and (after the likeliest first token) the next two tokens that a chi-square test at p = 0.001 cannot tell
 * from the model's own probabilities, computed by plain forward passes.
 */
class LosslessServingTest {
    static final int REQUESTS = 4000;
    /** An empty prompt (BOS alone): stories start in many ways, so the first token has many likely values. */
    static final String PROMPT = "";

    /** The three tokens a request produced. */
    static final class ThreeTokens implements RequestSink {
        final int[] tokens = new int[3];
        int n;
        Completion completion;

        @Override
        public void onToken(int token, String text) {
            tokens[n++] = token;
        }

        @Override
        public void onFinish(Completion c) {
            completion = c;
        }

        @Override
        public void onError(RequestFailure f) {
            throw new AssertionError(f.toString());
        }
    }

    @Test
    void sampledTokensFollowTheModelsDistribution() {
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.repoRoot().resolve("models/stories260K"));
             VectorCpuBackend backend = new VectorCpuBackend(2);
             LlamaModel model = new LlamaModel(ckpt, backend, new ModelOptions(512, 64 * 2, 16));
             MedusaHeads heads = MedusaHeads.load(Fixtures.repoRoot().resolve("models/medusa/stories260K"), model.config(), backend)) {
            MedusaSpeculator speculator = new MedusaSpeculator(model, new MedusaSpeculator.Drafter(heads, MedusaTree.standard(3)),
                    Map.of(), false, MedusaSpeculator.SampledVerification.LOSSLESS);
            Scheduler scheduler = new Scheduler(model, ckpt.tokenizer(), ckpt.stopTokenIds(), SchedulerConfig.of(64).withDraftRows(448),
                    DeltaProvider.NONE, speculator);
            int[] prompt = ckpt.promptIds(PROMPT);
            List<ThreeTokens> sinks = new ArrayList<>();
            for (int seed = 0; seed < REQUESTS; seed++) {
                ThreeTokens sink = new ThreeTokens();
                sinks.add(sink);
                SamplingParams params = new SamplingParams(1f, 0, 1f, OptionalLong.of(seed), 3, List.of(), true);
                scheduler.submit(new ServeRequest("s" + seed, "t", null, prompt, params, sink));
            }
            while (sinks.stream().anyMatch(s -> s.completion == null)) {
                scheduler.step();
            }
            int accepted = sinks.stream().mapToInt(s -> s.completion.speculation().acceptedTokens()).sum();
            assertThat(accepted).as("drafted tokens accepted (the test must exercise verification)").isGreaterThan(REQUESTS / 10);

            Function<int[], double[]> next = context -> probabilities(model, context);
            double[] first = next.apply(prompt);
            Map<Integer, double[]> second = new HashMap<>();

            // The first token (plain sampling from the prompt's logits).
            Map<List<Integer>, Long> counts = count(sinks, s -> List.of(s.tokens[0]));
            assertFollows(counts, key -> first[key.get(0)], "first token");

            // Pairs: the second token comes from a verified tree.
            Map<List<Integer>, Long> pairs = count(sinks, s -> List.of(s.tokens[0], s.tokens[1]));
            assertFollows(pairs, key -> first[key.get(0)]
                    * second.computeIfAbsent(key.get(0), t -> next.apply(append(prompt, t)))[key.get(1)], "first two tokens");

            // After the likeliest first token, the second and third: both can come from one tree step.
            int top = argmax(first);
            List<ThreeTokens> afterTop = sinks.stream().filter(s -> s.tokens[0] == top).toList();
            Map<List<Integer>, double[]> third = new HashMap<>();
            Map<List<Integer>, Long> tails = count(afterTop, s -> List.of(s.tokens[1], s.tokens[2]));
            double[] secondAfterTop = next.apply(append(prompt, top));
            assertFollows(tails, key -> secondAfterTop[key.get(0)]
                    * third.computeIfAbsent(key, k -> next.apply(append(append(prompt, top), k.get(0))))[key.get(1)],
                    "second and third tokens after the likeliest first");
        }
    }

    /**
     * Chi-square over every observed outcome whose expected count is at least 5, the rest of the probability mass
     * (observed or not) in one cell.
     */
    private static void assertFollows(Map<List<Integer>, Long> counts, Function<List<Integer>, Double> probability, String what) {
        long n = counts.values().stream().mapToLong(Long::longValue).sum();
        List<Long> cellCounts = new ArrayList<>();
        List<Double> cellProbabilities = new ArrayList<>();
        long restCount = 0;
        double kept = 0;
        for (var e : counts.entrySet()) {
            double p = probability.apply(e.getKey());
            if (p * n >= 5) {
                cellCounts.add(e.getValue());
                cellProbabilities.add(p);
                kept += p;
            } else {
                restCount += e.getValue();
            }
        }
        cellCounts.add(restCount);
        cellProbabilities.add(Math.max(0, 1 - kept));
        assertThat(cellCounts.size()).as("%s: cells for the test", what).isGreaterThan(3);
        ChiSquare.assertFollows(cellCounts.stream().mapToLong(Long::longValue).toArray(),
                cellProbabilities.stream().mapToDouble(Double::doubleValue).toArray(), what);
    }

    private static Map<List<Integer>, Long> count(List<ThreeTokens> sinks, Function<ThreeTokens, List<Integer>> key) {
        Map<List<Integer>, Long> counts = new LinkedHashMap<>();
        for (ThreeTokens s : sinks) {
            counts.merge(key.apply(s), 1L, Long::sum);
        }
        return counts;
    }

    /** softmax of the model's logits after {@code context}, in double. */
    private static double[] probabilities(LlamaModel model, int[] context) {
        KvSequence seq = new KvSequence();
        float[] logits = model.forward(List.of(SequenceChunk.last(seq, context))).last(0);
        model.kvCache().release(seq);
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static int argmax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int[] append(int[] tokens, int token) {
        int[] out = java.util.Arrays.copyOf(tokens, tokens.length + 1);
        out[tokens.length] = token;
        return out;
    }
}
