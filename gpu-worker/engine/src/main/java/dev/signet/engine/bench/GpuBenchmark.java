package dev.signet.engine.bench;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.BatchLayout;
import dev.signet.engine.backend.DeltaSegment;
import dev.signet.engine.backend.DeltaWeight;
import dev.signet.engine.backend.KvStorage;
import dev.signet.engine.backend.Weight;
import dev.signet.engine.backend.cuda.CudaBackend;
import dev.signet.engine.medusa.MedusaHeads;
import dev.signet.engine.medusa.MedusaTree;
import dev.signet.engine.safetensors.DType;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * {@code signet bench gpu}: the decode step of a synthetic Llama-2-7B shape (fp16 weights and random one-plane
 * BitDelta tenants, all made on the GPU) at 1, 8 and 32 rows over 0, 1, 8 and 32 distinct tenants. A step is the
 * model's per-layer op sequence on the backend (RMSNorm, the fused q/k/v projection, RoPE, paged attention over
 * {@code kvLength} positions, o, the fused gate/up projection, SwiGLU, down, residuals; then the final norm and the
 * LM head), every projection with the tenants' sign terms. Each cell is set against its floor: the bytes the
 * step must read (base weights once, each distinct tenant's signs once, every row's KV cache) over the
 * device-to-device copy bandwidth measured in the same run.
 */
public final class GpuBenchmark {
    public static final int[] ROWS = {1, 8, 32};
    public static final int[] TENANTS = {0, 1, 8, 32};
    private static final int BLOCK = 16;              // KV cache block size (slots)
    private static final long COPY_BYTES = 2L << 30;  // the bandwidth probe copies 2 GiB
    private static final float EPS = 1e-5f;
    private static final int WARM_UP_STEPS = 3;
    private static final int HOST_WARM_UP_STEPS = 40;  // once, before the cells: the JIT compiles the launch path
    private static final int ROUNDS = 3;  // timed rounds per cell, the fastest counts: a host pause (GC, JIT) stalls the GPU behind it
    private static final MedusaTree PLAIN = MedusaTree.chain(0);   // one node: a plain decode row

    /** The synthetic model's shape: Llama-2-7B's, with {@code layers} layers. */
    public record Shape(int hidden, int intermediate, int heads, int kvHeads, int vocab, int layers) {
        public static Shape llama2_7b(int layers) {
            return new Shape(4096, 11008, 32, 32, 32000, layers);
        }

        int headDim() {
            return hidden / heads;
        }

        int kvDim() {
            return kvHeads * headDim();
        }

        /** Per layer, the projections' [rows, cols]: q, k, v, o, gate, up, down. */
        int[][] projections() {
            return new int[][] {{hidden, hidden}, {kvDim(), hidden}, {kvDim(), hidden}, {hidden, hidden},
                    {intermediate, hidden}, {intermediate, hidden}, {hidden, intermediate}};
        }

        /** fp16 bytes of every weight a step reads: projections, norms, final norm, LM head. */
        long baseBytes() {
            long perLayer = 2L * hidden;
            for (int[] p : projections()) {
                perLayer += (long) p[0] * p[1];
            }
            return 2L * (layers * perLayer + hidden + (long) vocab * hidden);
        }

        /** One tenant's sign words and row scales over every projection of every layer. */
        long signBytesPerTenant() {
            long perLayer = 0;
            for (int[] p : projections()) {
                perLayer += (long) p[0] * ((p[1] + 31) / 32) * Integer.BYTES + (long) p[0] * Float.BYTES;
            }
            return layers * perLayer;
        }

        /** Keys and values, in the cache's {@code dtype}, every row reads at a decode over {@code kvLength} positions. */
        long kvBytesPerRow(int kvLength, DType dtype) {
            return 2L * layers * kvLength * kvDim() * dtype.byteSize();
        }
    }

    /** One measured configuration. */
    public record Cell(int rows, int tenants, double stepMillis, double floorMillis, long bytesPerStep, double issueMillis) {
        public double overFloor() {
            return stepMillis / floorMillis;
        }
    }

    private record Layer(Weight attnNorm, Weight ffnNorm, Weight[] qkv, Weight[] o, Weight[] gateUp, Weight[] down) {}

    /** The synthetic model on the GPU; {@code tenants}: [tenant] -> [layer][projection]. */
    private record Model(List<Layer> layers, Weight finalNorm, Weight lmHead, Weight invFreq, List<DeltaWeight[][]> tenants) {}

    private final CudaBackend backend;
    private final Shape shape;
    private final int steps;
    private final int kvLength;
    private final GpuMedusaBenchmark medusa;   // null: no Medusa part
    private final PytorchPeer peer;            // null: not measured
    private Model model;                       // made by run
    private double lastIssueMillis;            // host ms to issue the first timed step's launches into an idle queue
    private Step buffers;                      // the largest step's activations so far, reused by smaller ones

    public GpuBenchmark(CudaBackend backend, Shape shape, int steps, int kvLength) {
        this(backend, shape, steps, kvLength, null, null);
    }

    /**
     * With {@code medusa}, the run ends with its Medusa part on the same synthetic model; with {@code peer}, every cell
     * is also set against the PyTorch peer's (a report of another step is refused: {@link PytorchPeer#checkSameStep}).
     */
    public GpuBenchmark(CudaBackend backend, Shape shape, int steps, int kvLength, GpuMedusaBenchmark medusa, PytorchPeer peer) {
        if (steps < 1 || kvLength < 1) {
            throw new IllegalArgumentException("need at least 1 step and 1 KV position, got " + steps + " and " + kvLength);
        }
        this.backend = backend;
        this.shape = shape;
        this.steps = steps;
        this.kvLength = kvLength;
        this.medusa = medusa;
        this.peer = peer;
        if (peer != null) {
            peer.checkSameStep(shape, kvLength, backend.kvDtype(), backend.description());  // a few comparisons; the CLI checks before its Medusa part
        }
    }

    public Map<String, Object> run(PrintStream out, PrintStream progress) {
        progress.printf("  %s: measuring copy bandwidth (%d MiB device-to-device)%n", backend.description(), COPY_BYTES >> 20);
        double bandwidth = backend.copyBandwidth(COPY_BYTES, 5);
        progress.printf("  making %d layers of fp16 weights and %d tenants on the GPU%n", shape.layers(), max(TENANTS));
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < shape.layers(); l++) {
            layers.add(layer(l));
        }
        Weight finalNorm = backend.randomF16Weight("norm", 1, shape.hidden(), 7, 1f);
        Weight lmHead = backend.randomF16Weight("lm_head", shape.vocab(), shape.hidden(), 8, 0.02f);
        Weight invFreq = backend.constant("inv_freq", inverseFrequencies(shape.headDim()));
        List<DeltaWeight[][]> tenants = new ArrayList<>();
        model = new Model(layers, finalNorm, lmHead, invFreq, tenants);
        try {
            for (int t = 0; t < max(TENANTS); t++) {
                tenants.add(tenant(t));
            }
            progress.printf("  warming up the host's launch path: %d steps of 8 rows over 8 tenants%n", HOST_WARM_UP_STEPS);
            time(batch(8, PLAIN), 8, null, HOST_WARM_UP_STEPS);
            List<Cell> cells = new ArrayList<>();
            for (int rows : ROWS) {
                for (int t : TENANTS) {
                    if (t > rows) {
                        continue;  // rows are spread over tenants: a tenant without a row is not in the step
                    }
                    double millis = timeStep(batch(rows, PLAIN), t, null);
                    long bytes = shape.baseBytes() + t * shape.signBytesPerTenant() + rows * shape.kvBytesPerRow(kvLength, backend.kvDtype());
                    Cell c = new Cell(rows, t, millis, bytes / bandwidth * 1e3, bytes, lastIssueMillis);
                    progress.printf("  rows %2d, tenants %2d: %.3f ms/step (floor %.3f ms, %.2fx; host issues a step in %.3f ms)%n",
                            rows, t, millis, c.floorMillis(), c.overFloor(), c.issueMillis());
                    cells.add(c);
                }
            }
            Map<String, Object> doc = report(cells, bandwidth, out);
            if (medusa != null) {
                doc.put("medusa", medusa.run(this, out, progress));
            }
            return doc;
        } finally {
            tenants.forEach(t -> Arrays.stream(t).flatMap(Arrays::stream).forEach(DeltaWeight::close));
        }
    }

    private Layer layer(int l) {
        int[][] p = shape.projections();
        Weight[] w = new Weight[p.length];
        for (int k = 0; k < p.length; k++) {
            w[k] = backend.randomF16Weight("layers." + l + ".w" + k, p[k][0], p[k][1], 1000L * l + k, 0.02f);
        }
        return new Layer(backend.randomF16Weight("layers." + l + ".attn_norm", 1, shape.hidden(), 1000L * l + 10, 1f),
                backend.randomF16Weight("layers." + l + ".ffn_norm", 1, shape.hidden(), 1000L * l + 11, 1f),
                new Weight[] {w[0], w[1], w[2]}, new Weight[] {w[3]}, new Weight[] {w[4], w[5]}, new Weight[] {w[6]});
    }

    private DeltaWeight[][] tenant(int t) {
        int[][] p = shape.projections();
        DeltaWeight[][] deltas = new DeltaWeight[shape.layers()][p.length];
        for (int l = 0; l < shape.layers(); l++) {
            for (int k = 0; k < p.length; k++) {
                deltas[l][k] = backend.randomDelta("tenant" + t + ".layers." + l + ".w" + k, p[k][0], p[k][1],
                        1_000_000L * (t + 1) + 100L * l + k, 1e-3f);
            }
        }
        return deltas;
    }

    private static float[] inverseFrequencies(int headDim) {
        float[] f = new float[headDim / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (1.0 / Math.pow(10000.0, 2.0 * i / headDim));
        }
        return f;
    }

    /**
     * Ms of one step of {@code batch}'s rows (the fastest of ROUNDS rounds' means), the first {@code tenants} tenants
     * spread over them, after WARM_UP_STEPS untimed steps (the cell's buffers and code paths; the JIT has compiled the
     * host's launch path in the run's first HOST_WARM_UP_STEPS steps); with {@code drafting}, each step ends with those
     * heads run on one hidden row per sequence (the draft for the next step).
     */
    double timeStep(TreeBatch batch, int tenants, MedusaHeads drafting) {
        return time(batch, tenants, drafting, steps);
    }

    private double time(TreeBatch batch, int tenants, MedusaHeads drafting, int steps) {
        int rows = batch.rows();
        Step s = buffers(rows);
        float[] x = new float[rows * shape.hidden()];
        fillRandom(x, rows);
        backend.write(x, rows, s.x);
        Drafts drafts = drafting == null ? null : new Drafts(drafting, drafting.scratch(batch.sequences()),
                backend.activations(batch.sequences() * drafting.count(), shape.vocab()), batch.sequences());
        try (KvStorage kv = backend.kvStorage(shape.layers(), batch.slots(), shape.kvDim())) {
            BatchLayout layout = batch.layout();
            List<List<DeltaSegment>> segments = segments(rows, model.tenants().subList(0, tenants));
            for (int i = 0; i < WARM_UP_STEPS; i++) {
                step(s, rows, kv, layout, segments, drafts);
            }
            double best = Double.MAX_VALUE;
            for (int round = 0; round < ROUNDS; round++) {
                backend.synchronize();
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    step(s, rows, kv, layout, segments, drafts);
                    if (round == 0 && i == 0) {
                        lastIssueMillis = (System.nanoTime() - t0) / 1e6;
                    }
                }
                backend.synchronize();
                best = Math.min(best, (System.nanoTime() - t0) / 1e6 / steps);
            }
            return best;
        }
    }

    /** {@code sequences} sequences each decoding a tree of {@code tree}'s rows at position {@code kvLength - 1}. */
    TreeBatch batch(int sequences, MedusaTree tree) {
        return new TreeBatch(sequences, tree, kvLength, BLOCK);
    }

    /** Synthetic drafting heads for the model's shape: {@code count} ResBlocks sharing its LM head. */
    MedusaHeads syntheticHeads(int count) {
        Weight[] linears = new Weight[count];
        Weight[] biases = new Weight[count];
        for (int i = 0; i < count; i++) {
            linears[i] = backend.randomF16Weight("medusa_head." + i + ".linear", shape.hidden(), shape.hidden(), 500 + i, 0.02f);
            biases[i] = backend.randomF16Weight("medusa_head." + i + ".bias", 1, shape.hidden(), 600 + i, 0.02f);
        }
        return MedusaHeads.sharingLmHead(backend, shape.hidden(), shape.vocab(), linears, biases);
    }

    /** Heads drafting from the first {@code rows} hidden rows, with their buffers. */
    private record Drafts(MedusaHeads heads, MedusaHeads.Scratch scratch, Activations logits, int rows) {}

    private Step buffers(int rows) {
        if (buffers == null || buffers.rows < rows) {
            buffers = new Step(rows);   // the backend frees device memory at close only: grow, never shrink
        }
        return buffers;
    }

    private static void fillRandom(float[] x, int seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble(-1, 1);
        }
    }

    /**
     * Per layer, the rows' tenant segments (tenant i takes rows [i·rows/T, (i+1)·rows/T)) for the three fused
     * matmuls: q/k/v and gate/up share one segment list over their weights, o and down have their own.
     */
    private List<List<DeltaSegment>> segments(int rows, List<DeltaWeight[][]> tenants) {
        List<List<DeltaSegment>> perLayerOp = new ArrayList<>();
        int[][] groups = {{0, 1, 2}, {3}, {4, 5}, {6}};
        for (int l = 0; l < shape.layers(); l++) {
            for (int[] group : groups) {
                List<DeltaSegment> segs = new ArrayList<>();
                for (int t = 0; t < tenants.size(); t++) {
                    int first = t * rows / tenants.size();
                    int end = (t + 1) * rows / tenants.size();
                    DeltaWeight[] d = new DeltaWeight[group.length];
                    for (int k = 0; k < group.length; k++) {
                        d[k] = tenants.get(t)[l][group[k]];
                    }
                    segs.add(new DeltaSegment(first, end - first, d));
                }
                perLayerOp.add(segs);
            }
        }
        return perLayerOp;
    }

    /** The step's activations. */
    private final class Step {
        final int rows;
        final Activations x;
        final Activations h;
        final Activations q;
        final Activations k;
        final Activations v;
        final Activations att;
        final Activations proj;
        final Activations gate;
        final Activations up;
        final Activations rotary;
        final Activations logits;

        Step(int rows) {
            this.rows = rows;
            x = backend.activations(rows, shape.hidden());
            h = backend.activations(rows, shape.hidden());
            q = backend.activations(rows, shape.hidden());
            k = backend.activations(rows, shape.kvDim());
            v = backend.activations(rows, shape.kvDim());
            att = backend.activations(rows, shape.hidden());
            proj = backend.activations(rows, shape.hidden());
            gate = backend.activations(rows, shape.intermediate());
            up = backend.activations(rows, shape.intermediate());
            rotary = backend.activations(rows, shape.headDim());
            logits = backend.activations(rows, shape.vocab());
        }
    }

    private void step(Step s, int rows, KvStorage kv, BatchLayout layout, List<List<DeltaSegment>> segments, Drafts drafts) {
        List<Layer> layers = model.layers();
        backend.rotaryTable(model.invFreq(), layout.positions(), rows, s.rotary);
        for (int l = 0; l < layers.size(); l++) {
            Layer w = layers.get(l);
            if (l == 0) {
                backend.rmsNorm(s.x, w.attnNorm(), EPS, rows, s.h);
            } else {  // the previous layer's MLP residual, fused as LlamaModel does
                backend.addRmsNorm(s.x, s.proj, w.attnNorm(), EPS, rows, s.h);
            }
            backend.matmul(s.h, rows, w.qkv(), new Activations[] {s.q, s.k, s.v}, segments.get(4 * l));
            backend.rope(s.q, s.k, shape.headDim(), s.rotary, rows);
            backend.attention(kv, l, s.q, s.k, s.v, shape.heads(), shape.kvHeads(), shape.headDim(), layout, s.att);
            backend.matmul(s.att, rows, w.o(), new Activations[] {s.proj}, segments.get(4 * l + 1));
            backend.addRmsNorm(s.x, s.proj, w.ffnNorm(), EPS, rows, s.h);
            backend.matmul(s.h, rows, w.gateUp(), new Activations[] {s.gate, s.up}, segments.get(4 * l + 2));
            backend.swiglu(s.gate, s.up, rows);
            backend.matmul(s.gate, rows, w.down(), new Activations[] {s.proj}, segments.get(4 * l + 3));
        }
        backend.addRmsNorm(s.x, s.proj, model.finalNorm(), EPS, rows, s.h);
        backend.matmul(model.lmHead(), s.h, rows, s.logits);
        if (drafts != null) {
            drafts.heads().logits(s.h, drafts.rows(), model.lmHead(), drafts.scratch(), drafts.logits());
        }
    }

    private Map<String, Object> report(List<Cell> cells, double bandwidth, PrintStream out) {
        Cell base1 = find(cells, 1, 0);
        Cell eight = find(cells, 8, 8);
        double dense8Millis = 8 * base1.stepMillis();
        double speedupDense8 = dense8Millis / eight.stepMillis();
        double tenantFloorMillis = shape.signBytesPerTenant() / bandwidth * 1e3;

        out.printf("%nSignet GPU benchmark: %s, synthetic Llama-2-7B shape (%d layers, fp16), KV %d positions (%s), "
                + "copy bandwidth %.1f GB/s%n", backend.description(), shape.layers(), kvLength, backend.kvDtype(), bandwidth / 1e9);
        out.printf("%5s %8s %12s %12s %9s %16s %11s%n", "rows", "tenants", "ms/step", "floor ms", "x floor", "x own signs/tnt",
                "x PyTorch");
        List<Map<String, Object>> json = new ArrayList<>();
        for (Cell c : cells) {
            Double perTenant = null;
            if (c.tenants() > 0) {
                perTenant = (c.stepMillis() - find(cells, c.rows(), 0).stepMillis()) / c.tenants() / tenantFloorMillis;
            }
            Optional<Double> overPeer = peer == null ? Optional.empty() : peer.speedup(c.rows(), c.tenants(), c.stepMillis());
            out.printf("%5d %8d %12.3f %12.3f %9.2f %16s %11s%n", c.rows(), c.tenants(), c.stepMillis(), c.floorMillis(),
                    c.overFloor(), perTenant == null ? "-" : String.format("%.2f", perTenant),
                    overPeer.map(r -> String.format("%.2f", r)).orElse("-"));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rows", c.rows());
            m.put("distinct_tenants", c.tenants());
            m.put("decode_step_ms", c.stepMillis());
            m.put("floor_step_ms", c.floorMillis());
            m.put("step_over_floor", c.overFloor());
            m.put("bytes_read_per_step", c.bytesPerStep());
            m.put("tokens_per_second", c.rows() / (c.stepMillis() / 1e3));
            m.put("host_issue_ms_per_step", c.issueMillis());
            m.put("added_ms_per_tenant_over_its_sign_floor", perTenant);
            if (peer != null) {
                peer.cell(c.rows(), c.tenants()).ifPresent(p -> {
                    m.put("pytorch_step_ms", p.stepMs());
                    m.put("pytorch_config", p.config());
                    m.put("speedup_vs_pytorch", overPeer.orElseThrow());
                });
            }
            json.add(m);
        }
        Optional<Double> speedupPeer8 = peer == null ? Optional.empty() : peer.speedup(8, 8, eight.stepMillis());
        out.printf("%ntargets: base-only decode (1 row) %.2fx floor (target <= 1.2): %s; 8 tenants x8 rows %.2fx faster "
                        + "than 8 dense fp16 models (target >= 4): %s; PyTorch peer: %s%n",
                base1.overFloor(), base1.overFloor() <= 1.2 ? "met" : "MISSED", speedupDense8, speedupDense8 >= 4 ? "met" : "MISSED",
                speedupPeer8.map(r -> String.format("8 tenants x8 rows %.2fx faster (target >= %.0f): %s", r,
                        PytorchPeer.TARGET_SPEEDUP_8_TENANTS, r >= PytorchPeer.TARGET_SPEEDUP_8_TENANTS ? "met" : "MISSED"))
                        .orElse("not measured"));

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("suite", "gpu");
        doc.put("device", backend.description());
        doc.put("java", Runtime.version().toString());
        doc.put("model", Map.of("shape", "Llama-2-7B (synthetic, random fp16 weights made on the GPU)", "hidden", shape.hidden(),
                "intermediate", shape.intermediate(), "heads", shape.heads(), "kv_heads", shape.kvHeads(), "vocab", shape.vocab(),
                "layers", shape.layers()));
        doc.put("tenants", "one random sign plane per projection per tenant (BitDelta), made on the GPU");
        doc.put("kv_positions", kvLength);
        doc.put("timed_steps", steps);
        doc.put("method", "first " + HOST_WARM_UP_STEPS + " untimed steps of 8 rows over 8 tenants (the JIT compiles the host's "
                + "launch path, as in a server that has run a while); per cell: " + WARM_UP_STEPS + " untimed steps, then cuCtxSynchronize, " + steps
                + " steps, cuCtxSynchronize, " + ROUNDS + " rounds; the fastest round's mean, as a host pause (GC, JIT) stalls the GPU "
                + "behind it (host_issue_ms_per_step: the host's time to issue the first timed step's "
                + "launches into the idle queue; near decode_step_ms, the host's launching bounds the step). A step is every layer's RMSNorm (with the previous layer's MLP residual), fused q/k/v, RoPE, attention, o, "
                + "residual with RMSNorm, fused gate/up, SwiGLU, down, then the last residual with the final norm and LM head (no embedding lookup, "
                + "logits stay on the GPU); each projection with the rows' tenants' sign terms");
        doc.put("copy_bandwidth_bytes_per_second", bandwidth);
        doc.put("floor_definition", "bytes read per step (fp16 base weights once + each distinct tenant's sign words and scales once "
                + "+ each row's KV cache in its dtype) / device-to-device cuMemcpy bandwidth of " + (COPY_BYTES >> 20)
                + " MiB (bytes read + written per second)");
        doc.put("kv_dtype", backend.kvDtype().name());
        doc.put("base_bytes", shape.baseBytes());
        doc.put("sign_bytes_per_tenant", shape.signBytesPerTenant());
        doc.put("cells", json);
        doc.put("base_decode_over_floor", base1.overFloor());
        doc.put("dense_8_models_definition", "8 separate dense fp16 models each decoding 1 row: 8 x the measured base-only "
                + "1-row step (each model reads its own weights), against one step of 8 rows over 8 tenants");
        doc.put("dense_8_models_step_ms", dense8Millis);
        doc.put("speedup_vs_dense_8_tenants", speedupDense8);
        doc.put("pytorch_peer", peer == null ? "not measured: no --pytorch-peer report (gpu-worker/gpu/run.sh makes one with "
                + "gpu-worker/gpu/pytorch_peer.py where PyTorch is installed)" : peer.description());
        speedupPeer8.ifPresent(r -> doc.put("speedup_vs_pytorch_8_tenants", r));
        doc.put("targets", Map.of("base_decode_over_floor_max", 1.2, "added_per_tenant_over_its_sign_floor_max", 1.5,
                "speedup_vs_dense_8_tenants_min", 4.0, "speedup_vs_pytorch_8_tenants_min", PytorchPeer.TARGET_SPEEDUP_8_TENANTS));
        return doc;
    }

    private static Cell find(List<Cell> cells, int rows, int tenants) {
        return cells.stream().filter(c -> c.rows() == rows && c.tenants() == tenants).findFirst().orElseThrow();
    }

    private static int max(int[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }
}
