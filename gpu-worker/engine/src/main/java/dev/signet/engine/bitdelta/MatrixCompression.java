package dev.signet.engine.bitdelta;

import dev.signet.engine.backend.SignPlane;
import dev.signet.engine.model.ActivationTap.Site;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.LittleEndian;
import dev.signet.engine.safetensors.SafetensorsWriter.PendingTensor;
import dev.signet.engine.safetensors.TensorEntry;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compresses one projection {@code ΔW = W_ft − W_base}, streaming row by row from the two mappings: plane 1
 * is {@code sign(ΔW)}; each later plane is the sign of what the planes before it left. Scales are either
 * BitDelta's {@code mean|ΔW|} (no calibration) or fitted to the inputs' covariance ({@link SignRows#fit}), one
 * per matrix and plane; with calibration the signs come from error feedback ({@link SignRows#errorFeedbackSigns}). The tensors are produced lazily, in file order, as the writer asks for
 * them; each plane's scales are known once its signs are written.
 */
final class MatrixCompression implements PlannedTensor {
    private final TensorEntry base;   // [rows, cols]
    private final TensorEntry tuned;  // [rows, cols]
    private final int layer;
    private final Site site;
    private final int planes;
    private final InputCovariances inputs;  // null: mean|ΔW| per matrix
    private final int rows;
    private final int cols;
    private final float[] scales;  // [planes], each known once its plane's signs are written
    /** Input-weighted error left after each plane, summed over rows: [planes + 1], index 0 = no delta at all. */
    private final double[] error;
    /** Each written plane's sign words, [planes][rows × words]: the residual of the next plane needs them. */
    private final int[][] planeWords;

    MatrixCompression(TensorEntry base, TensorEntry tuned, int layer, Site site, int planes, InputCovariances inputs) {
        this.base = base;
        this.tuned = tuned;
        this.layer = layer;
        this.site = site;
        this.planes = planes;
        this.inputs = inputs;
        this.rows = Math.toIntExact(base.dim(0));
        this.cols = Math.toIntExact(base.dim(1));
        this.scales = new float[planes];
        this.error = new double[planes + 1];
        this.planeWords = new int[planes][];
    }

    @Override
    public String name() {
        return base.name();
    }

    int planes() {
        return planes;
    }

    /** Each plane is a pass over both matrices. */
    @Override
    public long work() {
        return (long) rows * cols * planes;
    }

    long signBytes() {
        return (long) rows * SignPlane.wordsPerRow(cols) * Integer.BYTES;
    }

    /** Bytes a plane adds to an artifact: its signs and its scale. */
    long planeBytes() {
        return signBytes() + Float.BYTES;
    }

    /** The output error Σ‖(ΔW − planes) x‖² over the calibration inputs once {@code planes} planes are applied. */
    double errorAfter(int planes) {
        return error[planes];
    }

    /** The signs and scale tensors of every plane, in file order. */
    @Override
    public List<PendingTensor> tensors() {
        List<PendingTensor> out = new ArrayList<>();
        int words = SignPlane.wordsPerRow(cols);
        for (int p = 1; p <= planes; p++) {
            int plane = p;
            out.add(new PendingTensor(BitDeltaFormat.signsName(name(), p), DType.U32, new long[] {rows, words},
                    target -> writeSigns(plane, target)));
            out.add(new PendingTensor(BitDeltaFormat.scaleName(name(), p), DType.F32, new long[] {1},
                    target -> target.set(LittleEndian.F32, 0, scales[plane - 1])));
        }
        return out;
    }

    /**
     * Writes plane p's sign words, row by row from the two mappings (earlier planes' signs, 1/32 of the matrix,
     * are kept to form the residual). Without calibration: {@code sign(ΔW)} and {@code mean|ΔW|}. With it: signs
     * by error feedback against the inputs' covariance, with one scale per matrix fitted to {@code sign} before
     * the sweep and refitted to the chosen signs after it.
     */
    private void writeSigns(int plane, MemorySegment target) {
        double[] c = inputs == null ? null : inputs.of(layer, site);
        double[] u = inputs == null ? null : inputs.inverseFactor(layer, site);
        float[] d = new float[cols];
        float[] baseRow = new float[cols];
        int words = SignPlane.wordsPerRow(cols);
        int[] row = new int[words];
        planeWords[plane - 1] = new int[rows * words];
        float start = c == null ? 0 : matrixFit(plane, c, d, baseRow, row);
        double absSum = 0;
        double dcd = 0;
        double dcs = 0;
        double scs = 0;
        for (int r = 0; r < rows; r++) {
            residual(r, plane, d, baseRow, row);
            if (c == null) {
                SignRows.pack(d, row);
                for (float v : d) {
                    absSum += Math.abs(v);
                }
            } else {
                SignRows.errorFeedbackSigns(d, start, u, row);
                SignRows.Fit fit = SignRows.fit(d, row, c);
                dcd += fit.before();
                dcs += fit.dcs();
                scs += fit.scs();
            }
            System.arraycopy(row, 0, planeWords[plane - 1], r * words, words);
            MemorySegment.copy(row, 0, target, LittleEndian.U32, (long) r * words * Integer.BYTES, words);
        }
        if (c == null) {
            // BitDelta's initial scale: mean |ΔW| accumulated in float64, rounded to float32.
            scales[0] = (float) (absSum / ((double) rows * cols));
            return;
        }
        // Refitted to the signs the sweep chose: Σ_r (d − α s) C (d − α s)ᵀ is least at α = Σ dCsᵀ / Σ sCsᵀ.
        scales[plane - 1] = scs > 0 ? (float) (dcs / scs) : 0f;
        if (plane == 1) {
            error[0] = dcd;
        }
        error[plane] = scs > 0 ? Math.max(0, dcd - dcs * dcs / scs) : dcd;
    }

    /** One scale for the whole matrix, fitted to {@code sign(residual)}: the start of the error-feedback sweep. */
    private float matrixFit(int plane, double[] c, float[] d, float[] baseRow, int[] row) {
        double dcs = 0;
        double scs = 0;
        for (int r = 0; r < rows; r++) {
            residual(r, plane, d, baseRow, row);
            SignRows.Fit fit = SignRows.fit(d, packed(d, row), c);
            dcs += fit.dcs();
            scs += fit.scs();
        }
        return scs > 0 ? (float) (dcs / scs) : 0f;
    }

    private static int[] packed(float[] d, int[] row) {
        SignRows.pack(d, row);
        return row;
    }

    /** Row r of ΔW less the planes before {@code plane}. d, baseRow: [cols], scratch: [words] */
    private void residual(int r, int plane, float[] d, float[] baseRow, int[] scratch) {
        base.dtype().readFloats(base.data(), (long) r * cols, baseRow);
        tuned.dtype().readFloats(tuned.data(), (long) r * cols, d);
        for (int i = 0; i < cols; i++) {
            d[i] -= baseRow[i];
        }
        int words = scratch.length;
        for (int p = 1; p < plane; p++) {
            System.arraycopy(planeWords[p - 1], r * words, scratch, 0, words);
            SignRows.subtract(d, scratch, scales[p - 1]);
        }
    }
}
