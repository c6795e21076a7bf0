package dev.signet.engine.backend;

/**
 * The rows one sequence contributes to a step: {@code rowCount} consecutive batch rows from
 * {@code firstRow}, at positions {@code startPosition ..}; its KV cache slots are found through
 * {@code blockTable} (position p lives in slot {@code blockTable[p / blockSize] * blockSize + p % blockSize}).
 * Rows attend causally to every earlier position of the same sequence and to nothing else.
 */
public record SequenceRows(int firstRow, int rowCount, int startPosition, int[] blockTable) {}
