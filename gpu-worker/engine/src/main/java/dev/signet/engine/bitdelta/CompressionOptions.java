package dev.signet.engine.bitdelta;

import java.nio.file.Path;

/**
 * How to compress. Without {@code calibrationText}: plain BitDelta, one sign plane and {@code mean|ΔW|} per
 * matrix. With it: signs chosen by error feedback against the inputs each matrix meets on that text, scales
 * fitted to them, and a second sign plane for the matrices where it removes the largest share of the output
 * error per byte, as long as the artifact stays within {@code sizeBudget} × the one-bit artifact's bytes. {@code evalText} (else the calibration
 * text) is where the quality report is measured; with neither, no report is measured.
 */
public record CompressionOptions(Path calibrationText, Path evalText, int calibrationWindows, double sizeBudget,
                                 long covarianceMemory) {
    public static final int DEFAULT_CALIBRATION_WINDOWS = 64;
    public static final double DEFAULT_SIZE_BUDGET = 1.2;
    /** Input covariances held at once; a 7B layer needs about 1.4 GB, so bands of a few layers per pass. */
    public static final long DEFAULT_COVARIANCE_MEMORY = 4L << 30;

    public CompressionOptions {
        if (calibrationWindows < 1) {
            throw new IllegalArgumentException("calibration needs at least one window, got " + calibrationWindows);
        }
        if (sizeBudget < 1) {
            throw new IllegalArgumentException("the size budget is a multiple of the one-bit artifact, at least 1, got " + sizeBudget);
        }
    }

    public static CompressionOptions plain() {
        return new CompressionOptions(null, null, DEFAULT_CALIBRATION_WINDOWS, DEFAULT_SIZE_BUDGET, DEFAULT_COVARIANCE_MEMORY);
    }

    public boolean calibrated() {
        return calibrationText != null;
    }

    public CompressionOptions withCalibration(Path text) {
        return new CompressionOptions(text, evalText, calibrationWindows, sizeBudget, covarianceMemory);
    }

    public CompressionOptions withEval(Path text) {
        return new CompressionOptions(calibrationText, text, calibrationWindows, sizeBudget, covarianceMemory);
    }

    /** The text the quality report is measured on, or null. */
    Path qualityText() {
        return evalText != null ? evalText : calibrationText;
    }
}
