package dev.signet.engine.backend;

import java.util.List;

/**
 * A tenant's BitDelta for one projection {@code [rows, cols]}: {@code ΔW ≈ Σ_p diag(scales_p) · S_p}, one
 * or more sign planes (the default artifact has one plane with a single scale repeated over the rows).
 */
public record SignMatrix(String name, int rows, int cols, List<SignPlane> planes) {
    public SignMatrix {
        planes = List.copyOf(planes);
        if (planes.isEmpty()) {
            throw new IllegalArgumentException(name + ": a sign matrix needs at least one plane");
        }
        long bytes = (long) rows * SignPlane.wordsPerRow(cols) * Integer.BYTES;
        for (SignPlane p : planes) {
            if (p.words().byteSize() != bytes || p.scales().length != rows) {
                throw new IllegalArgumentException(name + ": plane of " + p.words().byteSize() + " bytes and "
                        + p.scales().length + " scales does not fit [" + rows + ", " + cols + "]");
            }
        }
    }
}
