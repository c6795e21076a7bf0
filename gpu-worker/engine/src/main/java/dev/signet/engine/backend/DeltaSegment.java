package dev.signet.engine.backend;

/**
 * Rows {@code [firstRow, firstRow + rowCount)} of a step that belong to one tenant, and the delta that
 * tenant adds to each weight of a matmul op ({@code deltas[k]} goes with {@code ws[k]}; null where the
 * tenant left that weight as the base's).
 */
public record DeltaSegment(int firstRow, int rowCount, DeltaWeight[] deltas) {}
