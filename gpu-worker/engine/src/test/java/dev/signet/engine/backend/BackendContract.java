package dev.signet.engine.backend;

import static dev.signet.engine.testing.Tolerance.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.signet.engine.backend.reference.ReferenceBackend;
import dev.signet.engine.kv.KvCachePool;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.model.RopeScaling;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.LittleEndian;
import dev.signet.engine.safetensors.TensorEntry;
import dev.signet.engine.testing.RandomTensors;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What every backend must compute: each op on random inputs, compared with the plain-Java reference by
 * relative error. Output buffers are poisoned with NaN before each run, so an op that leaves part of its
 * output unwritten fails. A backend's test class extends this and says how to open the backend.
 */
public abstract class BackendContract {
    /** What fills rows an op must leave alone: a value no op here computes from the test's inputs. */
    private static final float SENTINEL = -12345.5f;

    private Arena arena;
    private RandomTensors random;
    private Backend ref;
    private Backend candidate;

    protected abstract Backend openCandidate();

    /** Relative error allowed against the reference (float32 computation; sums in another order). */
    protected double tolerance() {
        return 1e-5;
    }

    /**
     * Relative error allowed for matmuls of weights of {@code dtype}: {@link #tolerance()} unless a backend computes
     * f16/bf16 projections at reduced precision (tensor cores take activations in the weights' dtype).
     */
    protected double tolerance(DType dtype) {
        return tolerance();
    }

    /**
     * Relative error allowed for attention over the backend's KV cache: {@link #tolerance()} unless the cache rounds
     * the keys and values it stores (an fp16 cache).
     */
    protected double kvTolerance() {
        return tolerance();
    }

    @BeforeEach
    void open() {
        arena = Arena.ofShared();
        random = new RandomTensors(arena, 1234);
        ref = new ReferenceBackend();
        candidate = openCandidate();
    }

    @AfterEach
    void close() {
        if (candidate != null) {  // null where openCandidate skipped the test (no GPU)
            candidate.close();
        }
        ref.close();
        arena.close();
    }

    @ParameterizedTest(name = "{0} [{1} x {2}] x {3} rows")
    @CsvSource({
            "F32, 64, 64, 1", "F32, 172, 64, 3", "F32, 64, 172, 16", "F32, 37, 91, 5", "F32, 256, 768, 20",
            "F16, 172, 64, 1", "F16, 64, 172, 9", "F16, 33, 100, 2",
            "BF16, 172, 64, 1", "BF16, 64, 172, 16", "BF16, 45, 77, 7",
            // of a model's shape class (in % 256, out % 16): a backend's tensor-core path without sign terms
            "F16, 48, 512, 1", "F16, 32, 768, 9", "F16, 16, 1024, 40", "BF16, 64, 256, 8", "BF16, 32, 512, 20"})
    void matmulMatchesReference(DType dtype, int outDim, int inDim, int rows) {
        TensorEntry w = random.tensor("w", dtype, outDim, inDim, 1f);
        float[] x = random.floats(rows * inDim, 1f);
        float[] expected = run(ref, b -> {
            Activations in = upload(b, x, rows, inDim);
            Activations out = poisoned(b, rows, outDim);
            b.matmul(b.weight(w), in, rows, out);
            return download(b, out, rows);
        });
        float[] actual = run(candidate, b -> {
            Activations in = upload(b, x, rows, inDim);
            Activations out = poisoned(b, rows, outDim);
            b.matmul(b.weight(w), in, rows, out);
            return download(b, out, rows);
        });
        assertClose(actual, expected, tolerance(dtype), "matmul " + dtype);
    }

    /** Several weights on one input in one call, their sizes not multiples of any tile, in both row regimes. */
    @ParameterizedTest(name = "{0} rows")
    @CsvSource({"3", "19"})
    void fusedProjectionsMatchTheReference(int rows) {
        int in = 70;
        TensorEntry[] ws = {random.tensor("a", DType.F32, 37, in, 1f), random.tensor("b", DType.BF16, 64, in, 1f),
                random.tensor("c", DType.F16, 13, in, 1f)};
        float[] x = random.floats(rows * in, 1f);
        Op op = b -> {
            Activations input = upload(b, x, rows, in);
            Weight[] weights = new Weight[ws.length];
            Activations[] outs = new Activations[ws.length];
            for (int k = 0; k < ws.length; k++) {
                weights[k] = b.weight(ws[k]);
                outs[k] = poisoned(b, rows, (int) ws[k].dim(0));
            }
            b.matmul(input, rows, weights, outs);
            List<float[]> parts = new ArrayList<>();
            for (Activations o : outs) {
                parts.add(download(b, o, rows));
            }
            return concat(parts);
        };
        assertClose(run(candidate, op), run(ref, op), tolerance(), "fused projections");
    }

    /**
     * Tenants' sign planes on fused projections of three dtypes: segments of 1, 9 and 3 rows with base rows
     * between them (or 1 and 3 rows in a small step), one and two planes, random per-row scales, a tenant that
     * keeps one weight as the base's; input widths short of, past and at multiples of 32, both row regimes.
     */
    @ParameterizedTest(name = "in {0}, {1} rows")
    @CsvSource({"172, 20", "100, 20", "37, 20", "64, 20", "256, 5", "100, 5"})
    void deltaMatmulMatchesReference(int in, int rows) {
        deltaMatmul(new DType[] {DType.F32, DType.BF16, DType.F16}, new int[] {37, 64, 13}, in, rows,
                rows >= 8 ? new int[][] {{0, 1, 0}, {3, 9, 1}, {14, 3, 2}} : new int[][] {{0, 1, 1}, {2, 3, 0}});
    }

    /**
     * Projections of a model's shape class (widths multiples of 256, outputs of 16: where a backend may take a
     * tensor-core path), fused q/k/v-like weights of unequal outputs, tenants of one and two planes over row
     * counts around 8, 16 and 32 (and past them), base rows between.
     */
    @ParameterizedTest(name = "{0}, {1} rows")
    @CsvSource({"F16, 1", "F16, 8", "F16, 9", "F16, 17", "F16, 40", "BF16, 1", "BF16, 7", "BF16, 16", "BF16, 33",
            "F32, 9"})
    void modelShapedDeltaMatmulMatchesReference(DType dtype, int rows) {
        int[][] spans = rows == 1 ? new int[][] {{0, 1, 0}}
                : rows < 9 ? new int[][] {{0, 2, 1}, {3, rows - 3, 0}}
                : new int[][] {{0, 1, 0}, {2, rows / 2 - 2, 1}, {rows / 2 + 1, rows - rows / 2 - 1, 2}};
        deltaMatmul(new DType[] {dtype, dtype, dtype}, new int[] {256, 64, 48}, 512, rows, spans);
    }

    /**
     * One tenant on every row of a step (a tenant's batch alone; CUDA adds its planes into the weights' fragments),
     * over one to four n-tiles and two row passes, tenants of one, two and three planes, one keeping the base's w1.
     */
    @ParameterizedTest(name = "{0}, {1} rows, tenant {2}")
    @CsvSource({"F16, 1, 0", "F16, 8, 1", "F16, 16, 0", "F16, 32, 1", "F16, 40, 0", "BF16, 1, 1", "BF16, 9, 0",
            "BF16, 32, 0", "F16, 5, 3", "BF16, 20, 3"})
    void oneTenantOnEveryRowMatchesReference(DType dtype, int rows, int tenant) {
        deltaMatmul(new DType[] {dtype, dtype, dtype}, new int[] {256, 64, 48}, 512, rows, new int[][] {{0, rows, tenant}});
    }

    /** Which rows a tenant has in the projections of {@link #matmulsAfterNormAndSwigluMatchTheReference}. */
    enum TenantRows {
        NONE, EVERY_ROW, AFTER_THE_FIRST, ALTERNATING;

        /** The segments of the n-th projection. */
        List<DeltaSegment> segments(int n, int rows, DeltaWeight[] delta) {
            boolean every = this == EVERY_ROW || (this == ALTERNATING && n % 2 == 0);
            return this == NONE ? List.of() : every ? List.of(new DeltaSegment(0, rows, delta))
                    : List.of(new DeltaSegment(1, rows - 1, delta));
        }
    }

    /**
     * Matmuls, with and without tenants, reading an RMSNorm's or a SwiGLU's output as the model runs them: a backend
     * may hand that output to the matmul in another form made by the op (CUDA: in the weights' 16-bit dtype, and
     * quantized for the sign term unless one tenant has every row), which must follow later writes, the weights'
     * dtype and whether the next matmul needs it quantized (ALTERNATING switches between the two every projection).
     */
    @ParameterizedTest(name = "{0}, {1} rows, tenant rows {2}")
    @CsvSource({"F16, 3, EVERY_ROW", "F16, 3, AFTER_THE_FIRST", "BF16, 3, AFTER_THE_FIRST", "F16, 17, AFTER_THE_FIRST",
            "F16, 17, EVERY_ROW", "BF16, 9, ALTERNATING", "F16, 3, NONE", "BF16, 17, NONE"})
    void matmulsAfterNormAndSwigluMatchTheReference(DType dtype, int rows, TenantRows tenantRows) {
        int in = 512;
        int outDim = 64;
        DType otherDtype = dtype == DType.F16 ? DType.BF16 : DType.F16;
        TensorEntry gain = random.tensor("g", dtype, 0, in, 1.5f);
        TensorEntry w = random.tensor("w", dtype, outDim, in, 1f);
        TensorEntry wOther = random.tensor("w2", otherDtype, outDim, in, 1f);
        SignMatrix signs = random.signMatrix("w", outDim, in, 1);
        float[] x = random.floats(rows * in, 3f);
        float[] other = random.floats(rows * in, 1f);
        Op op = b -> {
            Activations input = upload(b, x, rows, in);
            Activations up = upload(b, other, rows, in);
            Activations h = b.activations(rows, in);
            Activations out = b.activations(rows, outDim);
            Weight[] weight = {b.weight(w)};
            Weight[] weightOther = {b.weight(wOther)};
            Weight g = b.weight(gain);
            DeltaWeight[] delta = resident(b, new SignMatrix[] {signs});
            List<float[]> parts = new ArrayList<>();
            Consumer<Weight[]> projectWith = ws -> {
                b.matmul(h, rows, ws, new Activations[] {out},
                        ws == weight ? tenantRows.segments(parts.size(), rows, delta) : List.of());
                parts.add(download(b, out, rows));
            };
            Runnable project = () -> projectWith.accept(weight);
            b.rmsNorm(input, g, 1e-5f, rows, h);
            project.run();  // the first matmul of the run
            b.rmsNorm(input, g, 1e-5f, rows, h);
            project.run();  // after a norm that knows matmuls (and sign terms) are running
            b.write(other, rows, h);
            b.addRmsNorm(input, h, g, 1e-5f, rows, h);
            project.run();  // after the residual add and norm, its output over the addend
            b.rmsNorm(input, g, 1e-5f, rows, h);
            b.write(other, rows, h);
            project.run();  // h written again after its norm
            b.swiglu(h, up, rows);
            project.run();  // after a SwiGLU (the down projection's input)
            b.swiglu(h, up, rows);
            b.write(x, rows, h);
            project.run();
            b.rmsNorm(input, g, 1e-5f, rows, h);
            projectWith.accept(weightOther);  // a norm's output prepared for the last dtype, read by the other
            project.run();
            close(delta);
            return concat(parts);
        };
        assertClose(run(candidate, op), run(ref, op), tolerance(dtype), "matmuls after rmsNorm and swiglu");
    }

    /**
     * Many tenants on q/k/v-like weights of model shape: past the number of sign entries a backend may pass with a
     * launch (CUDA: 24) a table of them, over one, two and four n-tiles and more than one row pass; after a row
     * without a tenant, tenants of several rows straddle n-tiles (7 and 8, 15 and 16); tenants of 1 to 12 rows (CUDA
     * takes a tenant's rows 1, 2, 4 or 8 at a time) and of up to 5 planes (32 such one-row tenants: 160 planes on
     * 32 rows). The first weight's width sets how many sign walks a launch makes (CUDA splits each walk's columns
     * over 2 or 4 warps when they are too few to fill the GPU: on the H100's 132 multiprocessors, 4 at width 256, 2
     * at 2048 and none at 4096 over 25 tenants).
     */
    @ParameterizedTest(name = "{0} tenants of {1} rows, {2} planes, widest {3}")
    @CsvSource({"5, 1, 1, 256", "9, 1, 1, 256", "40, 1, 1, 256", "13, 2, 1, 256", "32, 1, 5, 256", "7, 3, 2, 256",
            "8, 4, 1, 256", "3, 6, 1, 256", "3, 12, 3, 256", "25, 1, 1, 2048", "25, 3, 2, 2048", "25, 1, 1, 4096"})
    void manyTenantsDeltaMatmulMatchesReference(int tenants, int rowsEach, int planes, int widest) {
        int firstRow = rowsEach == 1 ? 0 : 1;
        int rows = firstRow + tenants * rowsEach;
        int in = 512;
        int[] outDims = {widest, 64, 48};
        TensorEntry[] ws = new TensorEntry[3];
        for (int k = 0; k < 3; k++) {
            ws[k] = random.tensor("w" + k, DType.F16, outDims[k], in, 1f);
        }
        SignMatrix[][] signs = new SignMatrix[tenants][3];
        for (int t = 0; t < tenants; t++) {
            for (int k = 0; k < 3; k++) {
                signs[t][k] = random.signMatrix("w" + k, outDims[k], in, planes);
            }
        }
        float[] x = random.floats(rows * in, 1f);
        Op op = b -> {
            Weight[] weights = new Weight[3];
            Activations[] outs = new Activations[3];
            for (int k = 0; k < 3; k++) {
                weights[k] = b.weight(ws[k]);
                outs[k] = poisoned(b, rows, outDims[k]);
            }
            List<DeltaSegment> segments = new ArrayList<>();
            for (int t = 0; t < tenants; t++) {
                segments.add(new DeltaSegment(firstRow + t * rowsEach, rowsEach, resident(b, signs[t])));
            }
            b.matmul(upload(b, x, rows, in), rows, weights, outs, segments);
            segments.forEach(seg -> close(seg.deltas()));
            List<float[]> parts = new ArrayList<>();
            for (Activations o : outs) {
                parts.add(download(b, o, rows));
            }
            return concat(parts);
        };
        assertClose(run(candidate, op), run(ref, op), tolerance(DType.F16), "delta matmul of " + tenants + " tenants");
    }

    /**
     * Activations with an outlier column 50× the rest in every 256 columns, as hidden states of large models have,
     * and tenant scales a tenth of the base weights' mean magnitude (the fixture's caps q_proj of layer 0: 0.084): a
     * backend that quantizes x for the sign term (CUDA, per 256-column group, when the tenant's rows follow a base
     * row) still holds the dtype's bound.
     */
    @ParameterizedTest(name = "tenant from row {0}")
    @CsvSource({"0", "1"})
    void deltaMatmulWithOutlierActivationsMatchesReference(int tenantFrom) {
        int rows = 4;
        int in = 1024;
        float[] x = random.floats(rows * in, 1f);
        for (int i = 0; i < x.length; i += 256) {
            x[i + 37] *= 50;
        }
        TensorEntry w = random.tensor("w", DType.F16, 64, in, 1f);  // mean |W| 0.5
        SignPlane plane = random.signMatrix("w", 64, in, 1).planes().getFirst();
        float[] scales = plane.scales().clone();
        for (int j = 0; j < scales.length; j++) {
            scales[j] *= 0.1f;  // mean |α| 0.05
        }
        SignMatrix signs = new SignMatrix("w", 64, in, List.of(new SignPlane(plane.words(), scales)));
        Op op = b -> {
            Activations out = poisoned(b, rows, 64);
            DeltaWeight[] delta = resident(b, new SignMatrix[] {signs});
            b.matmul(upload(b, x, rows, in), rows, new Weight[] {b.weight(w)}, new Activations[] {out},
                    List.of(new DeltaSegment(tenantFrom, rows - tenantFrom, delta)));
            close(delta);
            return download(b, out, rows);
        };
        assertClose(run(candidate, op), run(ref, op), tolerance(DType.F16), "delta matmul, outlier activations");
    }

    /** Three weights of these dtypes and output sizes on one input, four tenants on spans {first row, count, tenant}. */
    private void deltaMatmul(DType[] dtypes, int[] outDims, int in, int rows, int[][] spans) {
        TensorEntry[] ws = new TensorEntry[3];
        for (int k = 0; k < 3; k++) {
            ws[k] = random.tensor("w" + k, dtypes[k], outDims[k], in, 1f);
        }
        SignMatrix[][] tenants = {  // [tenant, weight], null: the tenant keeps the base's weight
                {random.signMatrix("w0", outDims[0], in, 1), random.signMatrix("w1", outDims[1], in, 1),
                        random.signMatrix("w2", outDims[2], in, 1)},
                {random.signMatrix("w0", outDims[0], in, 2), null, random.signMatrix("w2", outDims[2], in, 2)},
                {random.signMatrix("w0", outDims[0], in, 1), random.signMatrix("w1", outDims[1], in, 2), null},
                {random.signMatrix("w0", outDims[0], in, 3), random.signMatrix("w1", outDims[1], in, 1),
                        random.signMatrix("w2", outDims[2], in, 2)}};
        float[] x = random.floats(rows * in, 1f);
        Op op = b -> {
            Activations input = upload(b, x, rows, in);
            Weight[] weights = new Weight[ws.length];
            Activations[] outs = new Activations[ws.length];
            for (int k = 0; k < ws.length; k++) {
                weights[k] = b.weight(ws[k]);
                outs[k] = poisoned(b, rows, (int) ws[k].dim(0));
            }
            List<DeltaSegment> segments = new ArrayList<>();
            for (int[] span : spans) {
                segments.add(new DeltaSegment(span[0], span[1], resident(b, tenants[span[2]])));
            }
            b.matmul(input, rows, weights, outs, segments);
            segments.forEach(seg -> close(seg.deltas()));
            List<float[]> parts = new ArrayList<>();
            for (Activations o : outs) {
                parts.add(download(b, o, rows));
            }
            return concat(parts);
        };
        double allowed = Arrays.stream(dtypes).mapToDouble(this::tolerance).max().orElseThrow();
        assertClose(run(candidate, op), run(ref, op), allowed, "delta matmul " + Arrays.toString(dtypes));
    }

    /** Padding bits past the last column are zero by the format, but a kernel must not read them as signs. */
    @Test
    void signPaddingBitsAreIgnored() {
        int in = 37;
        int rows = 3;
        TensorEntry w = random.tensor("w", DType.F32, 9, in, 1f);
        SignMatrix clean = random.signMatrix("w", 9, in, 2);
        List<SignPlane> dirtyPlanes = new ArrayList<>();
        for (SignPlane p : clean.planes()) {
            MemorySegment words = arena.allocate(p.words().byteSize(), 64);
            words.copyFrom(p.words());
            int perRow = SignPlane.wordsPerRow(in);
            for (long last = perRow - 1; last < words.byteSize() / Integer.BYTES; last += perRow) {
                words.setAtIndex(LittleEndian.U32, last, words.getAtIndex(LittleEndian.U32, last) | -1 << in % 32);
            }
            dirtyPlanes.add(new SignPlane(words, p.scales()));
        }
        SignMatrix dirty = new SignMatrix("w", 9, in, dirtyPlanes);
        float[] x = random.floats(rows * in, 1f);
        Function<SignMatrix, float[]> result = signs -> {
            Activations out = poisoned(candidate, rows, 9);
            DeltaWeight[] delta = resident(candidate, new SignMatrix[] {signs});
            candidate.matmul(upload(candidate, x, rows, in), rows, new Weight[] {candidate.weight(w)},
                    new Activations[] {out}, List.of(new DeltaSegment(0, rows, delta)));
            close(delta);
            return download(candidate, out, rows);
        };
        assertArrayEquals(result.apply(clean), result.apply(dirty));
    }

    @Test
    void scatterPutsRowsBack() {
        float[] computed = random.floats(3 * 24, 1f);
        float[] step = random.floats(5 * 24, 1f);
        Op op = b -> {
            Activations dst = upload(b, step, 5, 24);
            b.scatterRows(upload(b, computed, 3, 24), new int[] {4, 0, 2}, dst);
            return download(b, dst, 5);
        };
        float[] actual = run(candidate, op);
        assertClose(actual, run(ref, op), 0, "scatter");
        assertArrayEquals(Arrays.copyOfRange(computed, 0, 24), Arrays.copyOfRange(actual, 4 * 24, 5 * 24));
        assertArrayEquals(Arrays.copyOfRange(step, 24, 48), Arrays.copyOfRange(actual, 24, 48), "a row not named stays");
    }

    @ParameterizedTest(name = "{0} dim {1}")
    @CsvSource({"F32, 64", "F32, 77", "F16, 768", "BF16, 100"})
    void rmsNormMatchesReference(DType dtype, int dim) {
        int rows = 5;
        TensorEntry gain = random.tensor("g", dtype, 0, dim, 1.5f);
        float[] x = random.floats(rows * dim, 3f);
        Op op = b -> {
            Activations in = upload(b, x, rows, dim);
            Activations out = poisoned(b, rows, dim);
            b.rmsNorm(in, b.weight(gain), 1e-5f, rows, out);
            return download(b, out, rows);
        };
        assertClose(run(candidate, op), run(ref, op), tolerance(), "rmsNorm");
    }

    /** The residual add and the norm in one op, its output over the addend as the model uses it. */
    @ParameterizedTest(name = "{0} dim {1}")
    @CsvSource({"F32, 77", "F16, 768", "BF16, 100"})
    void addRmsNormMatchesReference(DType dtype, int dim) {
        int rows = 5;
        TensorEntry gain = random.tensor("g", dtype, 0, dim, 1.5f);
        float[] acc = random.floats(rows * dim, 3f);
        float[] x = random.floats(rows * dim, 2f);
        Op op = b -> {
            Activations a = upload(b, acc, rows, dim);
            Activations h = upload(b, x, rows, dim);
            b.addRmsNorm(a, h, b.weight(gain), 1e-5f, rows, h);
            return concat(List.of(download(b, a, rows), download(b, h, rows)));
        };
        assertClose(run(candidate, op), run(ref, op), tolerance(), "addRmsNorm");
    }

    @Test
    void swigluMatchesReference() {
        int rows = 3;
        int hidden = 173;
        float[] gate = random.floats(rows * hidden, 6f);
        float[] up = random.floats(rows * hidden, 2f);
        Op op = b -> {
            Activations g = upload(b, gate, rows, hidden);
            b.swiglu(g, upload(b, up, rows, hidden), rows);
            return download(b, g, rows);
        };
        assertClose(run(candidate, op), run(ref, op), tolerance(), "swiglu");
    }

    /** Bias of each weight dtype on rows whose width is not a multiple of the vector length; later rows untouched. */
    @ParameterizedTest(name = "{0} width {1}")
    @CsvSource({"F32, 64", "F32, 77", "F16, 100", "BF16, 173"})
    void addBiasMatchesReference(DType dtype, int width) {
        int rows = 3;
        TensorEntry bias = random.tensor("b", dtype, 0, width, 2f);
        float[] x = random.floats(rows * width, 3f);
        Op op = b -> {
            Activations a = withSentinelRow(b, x, rows, width);
            b.addBias(a, b.weight(bias), rows);
            return download(b, a, rows + 1);
        };
        float[] actual = run(candidate, op);
        assertSentinelRowKept(actual, rows, width);
        assertClose(leadingRows(actual, rows, width), leadingRows(run(ref, op), rows, width), tolerance(), "addBias " + dtype);
    }

    /** Inputs wide enough to reach both tails of the sigmoid; later rows untouched. */
    @ParameterizedTest(name = "width {0}")
    @CsvSource({"64", "173"})
    void siluMatchesReference(int width) {
        int rows = 3;
        float[] x = random.floats(rows * width, 12f);
        x[0] = 95f;  // past exp's clamp on both sides
        x[1] = -95f;
        Op op = b -> {
            Activations a = withSentinelRow(b, x, rows, width);
            b.silu(a, rows);
            return download(b, a, rows + 1);
        };
        float[] actual = run(candidate, op);
        assertSentinelRowKept(actual, rows, width);
        assertClose(leadingRows(actual, rows, width), leadingRows(run(ref, op), rows, width), tolerance(), "silu");
    }

    @Test
    void embedAndGatherCopyRows() {
        TensorEntry table = random.tensor("emb", DType.BF16, 50, 24, 1f);
        int[] tokens = {7, 0, 49, 7};
        Op op = b -> {
            Activations out = poisoned(b, 4, 24);
            b.embed(b.weight(table), tokens, 4, out);
            Activations picked = poisoned(b, 2, 24);
            b.gatherRows(out, new int[] {2, 0}, picked);
            return download(b, picked, 2);
        };
        assertClose(run(candidate, op), run(ref, op), 0, "embed + gather");
    }

    @Test
    void ropeMatchesReference() {
        int rows = 4;
        int headDim = 16;
        float[] q = random.floats(rows * 4 * headDim, 1f);
        float[] k = random.floats(rows * 2 * headDim, 1f);
        int[] positions = {0, 1, 300, 4095};
        float[] invFreq = new RopeScaling.Llama3(8, 1, 4, 8192).inverseFrequencies(headDim, 500000);
        Op op = b -> {
            Activations qa = upload(b, q, rows, 4 * headDim);
            Activations ka = upload(b, k, rows, 2 * headDim);
            Activations table = poisoned(b, rows, headDim);
            b.rotaryTable(b.constant("inv_freq", invFreq), positions, rows, table);
            b.rope(qa, ka, headDim, table, rows);
            float[] both = Arrays.copyOf(download(b, qa, rows), rows * 6 * headDim);
            System.arraycopy(download(b, ka, rows), 0, both, rows * 4 * headDim, rows * 2 * headDim);
            return both;
        };
        assertClose(run(candidate, op), run(ref, op), tolerance(), "rope");
    }

    /**
     * Two steps over three sequences sharing a paged cache with scattered blocks: a prefill of different
     * lengths, then a mixed step (a decode, a chunk continuing a prompt, a new sequence). GQA, 4 query heads per KV head.
     */
    @ParameterizedTest(name = "headDim {0}")
    @CsvSource({"8", "64", "12", "160"})
    void pagedAttentionMatchesReference(int headDim) {
        int heads = 8;
        int kvHeads = 2;
        int blockSize = 4;
        Op op = b -> {
            RandomTensors rnd = new RandomTensors(arena, 99);
            KvCachePool pool = new KvCachePool(b, 2, kvHeads * headDim, 32, blockSize);
            KvSequence spacer = new KvSequence();
            List<KvSequence> seqs = List.of(new KvSequence(), new KvSequence(), new KvSequence());
            List<float[]> outputs = new ArrayList<>();
            int[][] steps = {{9, 1, 0}, {1, 6, 3}};  // rows per sequence in each step
            for (int[] rowsPerSeq : steps) {
                List<SequenceRows> seqRows = new ArrayList<>();
                int[][] tokens = new int[seqs.size()][];
                int row = 0;
                for (int s = 0; s < seqs.size(); s++) {
                    KvSequence seq = seqs.get(s);
                    tokens[s] = new int[rowsPerSeq[s]];
                    if (rowsPerSeq[s] == 0) {
                        continue;
                    }
                    pool.reserve(seq, seq.length() + rowsPerSeq[s]);
                    pool.reserve(spacer, spacer.blockCount() * blockSize + 1);  // interleave foreign blocks
                    seqRows.add(new SequenceRows(row, rowsPerSeq[s], seq.length(), seq.blockTable()));
                    row += rowsPerSeq[s];
                }
                int[][] present = Arrays.stream(tokens).filter(t -> t.length > 0).toArray(int[][]::new);
                BatchLayout layout = BatchLayout.of(blockSize, seqRows, present);
                for (int layer = 0; layer < 2; layer++) {
                    outputs.add(attendRandom(b, rnd, pool.storage(), layer, new int[] {heads, kvHeads, headDim}, layout));
                }
                for (int s = 0; s < seqs.size(); s++) {
                    pool.advance(seqs.get(s), seqs.get(s).length() + rowsPerSeq[s]);
                }
            }
            return concat(outputs);
        };
        assertClose(run(candidate, op), run(ref, op), kvTolerance(), "paged attention");
    }

    /** Attention of layer over random q, k and v for the layout's rows; heads: (heads, KV heads, head size). */
    private float[] attendRandom(Backend b, RandomTensors rnd, KvStorage kv, int layer, int[] heads, BatchLayout layout) {
        int rows = layout.rows();
        int qCols = heads[0] * heads[2];
        int kvCols = heads[1] * heads[2];
        Activations q = upload(b, rnd.floats(rows * qCols, 1.5f), rows, qCols);
        Activations k = upload(b, rnd.floats(rows * kvCols, 1.5f), rows, kvCols);
        Activations v = upload(b, rnd.floats(rows * kvCols, 1f), rows, kvCols);
        Activations out = poisoned(b, rows, qCols);
        b.attention(kv, layer, q, k, v, heads[0], heads[1], heads[2], layout, out);
        return download(b, out, rows);
    }

    /**
     * A kept Medusa path: copyKv moves positions 4 and 5's keys and values (every layer) into positions 2 and 3's
     * slots, and the next decode at position 4 attends over them there.
     */
    @Test
    void attentionSeesKeysAndValuesWhereCopyKvPutThem() {
        int heads = 4;
        int kvHeads = 2;
        int headDim = 8;
        int blockSize = 4;
        Op op = b -> {
            RandomTensors rnd = new RandomTensors(arena, 5);
            KvCachePool pool = new KvCachePool(b, 2, kvHeads * headDim, 4, blockSize);
            KvSequence seq = new KvSequence();
            pool.reserve(seq, 8);
            int[] table = seq.blockTable();
            IntUnaryOperator slot = position -> table[position / blockSize] * blockSize + position % blockSize;
            List<float[]> outputs = new ArrayList<>();
            int[][] steps = {{0, 6}, {4, 1}};  // (start position, rows)
            for (int[] step : steps) {
                int rows = step[1];
                BatchLayout layout = BatchLayout.of(blockSize, List.of(new SequenceRows(0, rows, step[0], table)),
                        new int[][] {new int[rows]});
                for (int layer = 0; layer < 2; layer++) {
                    outputs.add(attendRandom(b, rnd, pool.storage(), layer, new int[] {heads, kvHeads, headDim}, layout));
                }
                if (step[0] == 0) {
                    b.copyKv(pool.storage(), new int[] {slot.applyAsInt(4), slot.applyAsInt(5)},
                            new int[] {slot.applyAsInt(2), slot.applyAsInt(3)});
                }
            }
            return concat(outputs);
        };
        assertClose(run(candidate, op), run(ref, op), kvTolerance(), "attention after copyKv");
    }

    /**
     * A matmul, with or without tenants, on attention's output, as the o projection reads it, and again after that
     * output is written anew: whatever form of x a backend keeps for the matmul (CUDA: in the weights' dtype, made by
     * attention when no sign term runs) must follow the output's writes.
     */
    @ParameterizedTest(name = "{0}, tenants {1}")
    @CsvSource({"F16, true", "F16, false", "BF16, false"})
    void matmulAfterAttentionMatchesReference(DType dtype, boolean tenants) {
        int heads = 8;
        int kvHeads = 2;
        int headDim = 32;
        int width = heads * headDim;
        int blockSize = 4;
        int rows = 9;
        TensorEntry w = random.tensor("w", dtype, 64, width, 1f);
        SignMatrix signs = random.signMatrix("w", 64, width, 1);
        Op op = b -> {
            RandomTensors rnd = new RandomTensors(arena, 7);
            KvCachePool pool = new KvCachePool(b, 2, kvHeads * headDim, 8, blockSize);
            KvSequence seq = new KvSequence();
            pool.reserve(seq, rows);
            BatchLayout layout = BatchLayout.of(blockSize, List.of(new SequenceRows(0, rows, 0, seq.blockTable())),
                    new int[][] {new int[rows]});
            Weight[] weight = {b.weight(w)};
            DeltaWeight[] delta = resident(b, new SignMatrix[] {signs});
            Activations out = b.activations(rows, width);
            Activations projected = b.activations(rows, 64);
            List<float[]> parts = new ArrayList<>();
            List<DeltaSegment> segments = tenants ? List.of(new DeltaSegment(0, rows, delta)) : List.of();
            Consumer<Activations> project = x -> {
                b.matmul(x, rows, weight, new Activations[] {projected}, segments);
                parts.add(download(b, projected, rows));
            };
            project.accept(upload(b, rnd.floats(rows * width, 1f), rows, width));  // matmuls (sign terms) are running
            for (int layer = 0; layer < 2; layer++) {
                Activations q = upload(b, rnd.floats(rows * width, 1.5f), rows, width);
                Activations k = upload(b, rnd.floats(rows * kvHeads * headDim, 1.5f), rows, kvHeads * headDim);
                Activations v = upload(b, rnd.floats(rows * kvHeads * headDim, 1f), rows, kvHeads * headDim);
                b.attention(pool.storage(), layer, q, k, v, heads, kvHeads, headDim, layout, out);
                if (layer == 1) {
                    b.write(rnd.floats(rows * width, 1f), rows, out);  // written again after attention
                }
                project.accept(out);
            }
            close(delta);
            return concat(parts);
        };
        assertClose(run(candidate, op), run(ref, op), Math.max(tolerance(dtype), kvTolerance()), "matmul after attention");
    }

    /** A computation on one backend that returns host floats. */
    @FunctionalInterface
    protected interface Op {
        float[] apply(Backend b);
    }

    private static float[] run(Backend b, Op op) {
        return op.apply(b);
    }

    /** One tenant's matrices made resident on b, null kept. */
    private static DeltaWeight[] resident(Backend b, SignMatrix[] matrices) {
        DeltaWeight[] deltas = new DeltaWeight[matrices.length];
        for (int k = 0; k < matrices.length; k++) {
            deltas[k] = matrices[k] == null ? null : b.delta(matrices[k]);
        }
        return deltas;
    }

    private static void close(DeltaWeight[] deltas) {
        for (DeltaWeight d : deltas) {
            if (d != null) {
                d.close();
            }
        }
    }

    private static Activations upload(Backend b, float[] values, int rows, int cols) {
        Activations a = b.activations(rows, cols);
        b.write(values, rows, a);
        return a;
    }

    private static Activations poisoned(Backend b, int rows, int cols) {
        float[] nan = new float[rows * cols];
        Arrays.fill(nan, Float.NaN);
        return upload(b, nan, rows, cols);
    }

    /** The rows of an in-place op, then one more row of a sentinel value that an op on {@code rows} rows must not touch. */
    private static Activations withSentinelRow(Backend b, float[] values, int rows, int cols) {
        float[] all = Arrays.copyOf(values, (rows + 1) * cols);
        Arrays.fill(all, rows * cols, all.length, SENTINEL);
        return upload(b, all, rows + 1, cols);
    }

    private static float[] leadingRows(float[] values, int rows, int cols) {
        return Arrays.copyOf(values, rows * cols);
    }

    private static void assertSentinelRowKept(float[] actual, int rows, int cols) {
        float[] sentinel = new float[cols];
        Arrays.fill(sentinel, SENTINEL);
        assertArrayEquals(sentinel, Arrays.copyOfRange(actual, rows * cols, (rows + 1) * cols), "a row past the op's rows changed");
    }

    private static float[] download(Backend b, Activations a, int rows) {
        float[] out = new float[rows * a.cols()];
        b.read(a, rows, out);
        return out;
    }

    private static float[] concat(List<float[]> parts) {
        float[] all = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
