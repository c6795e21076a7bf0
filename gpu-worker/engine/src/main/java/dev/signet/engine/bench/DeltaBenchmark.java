package dev.signet.engine.bench;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.model.LlamaConfig;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.LlamaWeights;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.model.SequenceChunk;
import dev.signet.engine.safetensors.SafetensorsCheckpoint;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code signet bench delta}: what serving many BitDeltas in one batch costs. A decode step of {@link #ROWS}
 * rows on a synthetic base runs with the rows spread over 0 (all base), 1, 4 and 16 distinct tenants, each
 * tenant a full set of random sign planes (one bit per projection weight); and, for comparison, 16 tenants
 * served as separate dense models, one decode row each (a model's step reads all its weights, so 16 of them
 * cost 16 one-row steps). Configurations are measured in interleaved rounds and the best of each is kept,
 * as {@link CpuBenchmark} does. Targets: each distinct tenant adds at most 15% of a base step, and 16
 * tenants in one batch are at least 4× faster than 16 separate dense models.
 */
public final class DeltaBenchmark {
    public static final int ROWS = 16;
    public static final int[] TENANTS = {0, 1, 4, 16};
    public static final double MAX_TENANT_COST = 0.15;
    public static final double MIN_SPEEDUP = 4.0;

    /** One configuration's best decode step. */
    public record Result(String configuration, int rows, int tenants, double stepMillis) {
        double tokensPerSecond() {
            return rows / (stepMillis / 1e3);
        }
    }

    private final VectorCpuBackend backend;
    private final int promptTokens;
    private final int decodeSteps;

    public DeltaBenchmark(VectorCpuBackend backend, int promptTokens, int decodeSteps) {
        this.backend = backend;
        this.promptTokens = promptTokens;
        this.decodeSteps = decodeSteps;
    }

    /** Measures every configuration on the checkpoint in {@code dir}, prints a table, returns the JSON document. */
    public Map<String, Object> run(Path dir, String label, PrintStream out, PrintStream progress) {
        LlamaConfig config = LlamaConfig.read(dir);
        try (SafetensorsCheckpoint tensors = SafetensorsCheckpoint.open(dir); Arena arena = Arena.ofShared()) {
            LlamaWeights weights = LlamaWeights.from(config, tensors);
            int positions = promptTokens + decodeSteps * (CpuBenchmark.REPEATS + 1) + 1;
            try (LlamaModel model = new LlamaModel(config, weights, backend,
                    ModelOptions.forSequences(ROWS * (TENANTS.length + 1), positions, ROWS * promptTokens))) {
                List<ResidentDelta> deltas = new ArrayList<>();
                for (int t = 0; t < ROWS; t++) {
                    deltas.add(model.load(RandomDeltas.of("tenant-" + t, weights, arena, t)));
                }
                progress.printf("  %s: %d random tenant deltas resident; warming up%n", label, ROWS);
                List<Batch> batches = new ArrayList<>();
                for (int tenants : TENANTS) {
                    batches.add(new Batch(tenants + " tenants", model, config, ROWS, tenants, deltas));
                }
                batches.add(new Batch("1 dense model, 1 row", model, config, 1, 0, deltas));
                double[] best = new double[batches.size()];
                Arrays.fill(best, Double.MAX_VALUE);
                for (int round = 0; round <= CpuBenchmark.REPEATS; round++) {
                    for (int b = 0; b < batches.size(); b++) {
                        double ms = batches.get(b).decode(decodeSteps);
                        if (round > 0) {  // round 0 warms up the JIT
                            best[b] = Math.min(best[b], ms);
                        }
                    }
                }
                deltas.forEach(ResidentDelta::close);
                return report(label, batches, best, out);
            }
        }
    }

    private Map<String, Object> report(String label, List<Batch> batches, double[] best, PrintStream out) {
        List<Result> results = new ArrayList<>();
        for (int b = 0; b < batches.size(); b++) {
            results.add(new Result(batches.get(b).name, batches.get(b).rows, batches.get(b).tenants, best[b]));
        }
        double baseStep = results.getFirst().stepMillis();
        double single = results.getLast().stepMillis();
        double separate = ROWS * single;
        out.printf("%nSignet BitDelta serving benchmark: %s, decode steps of %d rows, %d threads%n", label, ROWS, backend.threads());
        out.printf("%-26s %8s %12s %12s %22s%n", "configuration", "tenants", "ms/step", "tok/s", "cost/tenant (x base)");
        List<Map<String, Object>> rows = new ArrayList<>();
        double worstCost = 0;
        for (Result r : results.subList(0, TENANTS.length)) {
            double cost = r.tenants() == 0 ? 0 : (r.stepMillis() - baseStep) / r.tenants() / baseStep;
            worstCost = Math.max(worstCost, cost);
            out.printf("%-26s %8d %12.3f %12.1f %22s%n", r.configuration(), r.tenants(), r.stepMillis(), r.tokensPerSecond(),
                    r.tenants() == 0 ? "-" : String.format("%.3f", cost));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("configuration", r.configuration());
            m.put("rows", r.rows());
            m.put("distinct_tenants", r.tenants());
            m.put("decode_step_ms", r.stepMillis());
            m.put("tokens_per_second", r.tokensPerSecond());
            m.put("cost_per_tenant_over_base_step", cost);
            rows.add(m);
        }
        double tenant16 = results.get(TENANTS.length - 1).stepMillis();
        double speedup = separate / tenant16;
        out.printf("%-26s %8d %12.3f %12.1f%n", "16 separate dense models", ROWS, separate, ROWS / (separate / 1e3));
        out.printf("%ntargets: each extra tenant %.3f x a base step (target <= %.2f): %s; 16 tenants in one batch %.2fx faster "
                        + "than 16 separate dense models (target >= %.1f): %s%n", worstCost, MAX_TENANT_COST,
                worstCost <= MAX_TENANT_COST ? "met" : "MISSED", speedup, MIN_SPEEDUP, speedup >= MIN_SPEEDUP ? "met" : "MISSED");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("suite", "delta");
        doc.put("model", label);
        doc.put("threads", backend.threads());
        doc.put("cpu", BenchResults.cpuModel());
        doc.put("java", Runtime.version().toString());
        doc.put("method", "decode steps of " + ROWS + " rows (prompt " + promptTokens + " tokens), rows spread round-robin over the "
                + "tenants; " + decodeSteps + " steps per measurement, " + CpuBenchmark.REPEATS
                + " interleaved rounds after a warm-up, fastest kept; separate dense models = " + ROWS + " x a one-row step");
        doc.put("results", rows);
        doc.put("one_row_dense_step_ms", single);
        doc.put("separate_dense_models_ms", separate);
        doc.put("worst_cost_per_tenant_over_base_step", worstCost);
        doc.put("speedup_16_tenants_over_separate_models", speedup);
        doc.put("targets", Map.of("max_cost_per_tenant_over_base_step", MAX_TENANT_COST, "min_speedup_16_tenants", MIN_SPEEDUP));
        return doc;
    }

    /** A set of sequences decoding together, rows spread round-robin over {@code tenants} deltas (0: the base). */
    private final class Batch {
        final String name;
        final LlamaModel model;
        final int rows;
        final int tenants;
        final List<KvSequence> seqs = new ArrayList<>();
        final List<ResidentDelta> owners = new ArrayList<>();

        Batch(String name, LlamaModel model, LlamaConfig config, int rows, int tenants, List<ResidentDelta> deltas) {
            this.name = name;
            this.model = model;
            this.rows = rows;
            this.tenants = tenants;
            SplittableRandom rng = new SplittableRandom(rows * 31L + tenants);
            List<SequenceChunk> prompts = new ArrayList<>();
            for (int r = 0; r < rows; r++) {
                KvSequence seq = new KvSequence();
                ResidentDelta d = tenants == 0 ? null : deltas.get(r % tenants);
                seqs.add(seq);
                owners.add(d);
                prompts.add(new SequenceChunk(seq, rng.ints(promptTokens, 3, config.vocabSize()).toArray(), false, d));
            }
            model.forward(prompts);
        }

        /** Milliseconds per decode step over {@code steps} steps (tokens are fixed: sampling is not what is measured). */
        double decode(int steps) {
            long t0 = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                List<SequenceChunk> chunks = new ArrayList<>(rows);
                for (int r = 0; r < rows; r++) {
                    chunks.add(new SequenceChunk(seqs.get(r), new int[] {3 + (s * rows + r) % 1000}, false, owners.get(r)));
                }
                model.forward(chunks);
            }
            return (System.nanoTime() - t0) / 1e6 / steps;
        }
    }
}
