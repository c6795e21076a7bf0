package dev.signet.engine.bench;

import dev.signet.engine.medusa.MedusaHeads;
import dev.signet.engine.medusa.MedusaTree;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code signet bench gpu}'s Medusa part: what Medusa would gain on the synthetic Llama-2-7B shape, from the
 * acceptance measured on the real fixture heads ({@link MedusaAcceptance}) and step times measured on the shape.
 * For batch 1 and 8, it times a plain decode step (one row per sequence) and tree steps (each sequence a tree of
 * 1 + N rows, {@link MedusaTree#standard} sized to N draft rows, attention under the tree mask), the tree steps
 * ending with synthetic drafting heads of the fixture heads' count (one ResBlock each, sharing the LM head) run on
 * one hidden row per sequence. The base's heads run base-only steps; a tenant's heads (caps) run with one distinct
 * tenant delta per sequence, plain steps included. Predicted speedup per N: {@link MedusaSpeedup}.
 */
public final class GpuMedusaBenchmark {
    public static final int[] BATCHES = {1, 8};
    /** Rows a tree step may have: 8 sequences with the whole 62-node tree of 3 heads fit (496). */
    public static final int MAX_ROWS = 512;
    private static final MedusaTree PLAIN = MedusaTree.chain(0);

    private final List<MedusaAcceptance> acceptance;

    public GpuMedusaBenchmark(List<MedusaAcceptance> acceptance) {
        this.acceptance = List.copyOf(acceptance);
    }

    /** One batch and set of heads: the plain step and each tree size's prediction. */
    public record Result(String heads, int batch, int tenants, double plainStepMillis, List<MedusaSpeedup> trees) {
        public MedusaSpeedup best() {
            return MedusaSpeedup.best(trees);
        }
    }

    Map<String, Object> run(GpuBenchmark bench, PrintStream out, PrintStream progress) {
        List<Result> results = new ArrayList<>();
        Map<Integer, MedusaHeads> drafting = new HashMap<>();
        for (MedusaAcceptance acc : acceptance) {
            MedusaHeads heads = drafting.computeIfAbsent(acc.headCount(), bench::syntheticHeads);
            MedusaTree full = MedusaTree.standard(acc.headCount());
            for (int batch : BATCHES) {
                int tenants = acc.heads().equals("base") ? 0 : batch;
                double plain = bench.timeStep(bench.batch(batch, PLAIN), tenants, null);
                List<MedusaSpeedup> trees = new ArrayList<>();
                for (int n : acc.draftRows()) {
                    TreeBatch tree = bench.batch(batch, full.sizedTo(n + 1));
                    if (tree.rows() > MAX_ROWS) {
                        continue;
                    }
                    double millis = bench.timeStep(tree, tenants, heads);
                    trees.add(new MedusaSpeedup(n, acc.tokensPerStep(n), plain, millis));
                    progress.printf("  medusa %s heads, batch %d, %d draft rows (%d rows): %.3f ms/step against %.3f plain%n",
                            acc.heads(), batch, n, tree.rows(), millis, plain);
                }
                results.add(new Result(acc.heads(), batch, tenants, plain, trees));
            }
        }
        return report(results, out);
    }

    private Map<String, Object> report(List<Result> results, PrintStream out) {
        out.printf("%nMedusa on the synthetic shape: tokens per step measured with the fixture heads on stories260K (greedy), "
                + "step times on the shape; speedup = tokens/step x plain ms / tree ms%n");
        out.printf("%-6s %6s %8s %11s %12s %10s %10s %9s%n", "heads", "batch", "tenants", "draft rows", "tokens/step", "plain ms",
                "tree ms", "speedup");
        List<Map<String, Object>> json = new ArrayList<>();
        Map<String, Object> best = new LinkedHashMap<>();
        for (Result r : results) {
            List<Map<String, Object>> trees = new ArrayList<>();
            for (MedusaSpeedup s : r.trees()) {
                out.printf("%-6s %6d %8d %11d %12.2f %10.3f %10.3f %8.2fx%n", r.heads(), r.batch(), r.tenants(), s.draftRows(),
                        s.tokensPerStep(), s.plainStepMillis(), s.treeStepMillis(), s.speedup());
                trees.add(tree(s, r.batch()));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("heads", r.heads());
            m.put("batch", r.batch());
            m.put("distinct_tenants", r.tenants());
            m.put("plain_step_ms", r.plainStepMillis());
            m.put("trees", trees);
            if (!r.trees().isEmpty()) {
                m.put("best", tree(r.best(), r.batch()));
                best.put(r.heads() + "_batch_" + r.batch(), tree(r.best(), r.batch()));
            }
            json.add(m);
        }
        out.printf("best:%s%n", best.entrySet().stream().map(e -> {
            @SuppressWarnings("unchecked") Map<String, Object> b = (Map<String, Object>) e.getValue();
            return String.format(" %s %s draft rows %.2fx;", e.getKey(), b.get("draft_rows"), (double) b.get("predicted_speedup"));
        }).reduce("", String::concat));

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("definition", "predicted wall-clock speedup over plain decoding at the same batch = tokens per verification step "
                + "(measured: greedy, the fixture Medusa heads on stories260K over the reference prompts, each alone) x plain step ms "
                + "/ tree step ms (measured on the synthetic shape: each sequence a tree of 1 + N rows under the tree mask, then "
                + "synthetic drafting heads on one hidden row per sequence); trees over " + MAX_ROWS + " rows are not timed");
        doc.put("acceptance", acceptance.stream().map(a -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("heads", a.heads());
            m.put("head_count", a.headCount());
            m.put("draft_rows", a.draftRows());
            m.put("tokens_per_step", a.tokensPerStep());
            return m;
        }).toList());
        doc.put("max_rows", MAX_ROWS);
        doc.put("results", json);
        doc.put("best", best);
        return doc;
    }

    private static Map<String, Object> tree(MedusaSpeedup s, int batch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("draft_rows", s.draftRows());
        m.put("rows", batch * (s.draftRows() + 1));
        m.put("tokens_per_step", s.tokensPerStep());
        m.put("tree_step_ms", s.treeStepMillis());
        m.put("predicted_speedup", s.speedup());
        return m;
    }
}
