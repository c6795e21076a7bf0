package dev.signet.engine.backend;

import java.util.List;

/**
 * Rows {@code [firstRow, firstRow + rowCount)} of a step that belong to one tenant, and the delta that
 * tenant adds to each weight of a matmul op ({@code deltas[k]} goes with {@code ws[k]}; null where the
 * tenant left that weight as the base's).
 */
public record DeltaSegment(int firstRow, int rowCount, DeltaWeight[] deltas) {

    /** Checks every segment's rows against a step of {@code rows} rows and every delta's shape against its weight. */
    public static void check(int rows, Weight[] ws, List<DeltaSegment> segments) {
        for (DeltaSegment seg : segments) {
            if (seg.firstRow() < 0 || seg.rowCount() < 1 || seg.firstRow() + seg.rowCount() > rows) {
                throw new IllegalArgumentException("delta segment of rows [" + seg.firstRow() + ", "
                        + (seg.firstRow() + seg.rowCount()) + ") is not within the step's " + rows + " rows");
            }
            if (seg.deltas().length != ws.length) {
                throw new IllegalArgumentException("delta segment at row " + seg.firstRow() + " has " + seg.deltas().length
                        + " deltas for " + ws.length + " weights");
            }
            for (int k = 0; k < ws.length; k++) {
                DeltaWeight d = seg.deltas()[k];
                if (d != null && (d.rows() != ws[k].rows() || d.cols() != ws[k].cols())) {
                    throw new IllegalArgumentException("delta " + d.name() + " [" + d.rows() + ", " + d.cols()
                            + "] does not fit weight " + ws[k].name() + " [" + ws[k].rows() + ", " + ws[k].cols() + "]");
                }
            }
        }
    }
}
