package dev.signet.engine.backend;

/**
 * A float32 work buffer of {@code [capacityRows, cols]} owned by a backend: one row per batch row. Ops
 * take the number of leading rows they work on, so one buffer sized for the largest step serves every
 * step.
 */
public interface Activations {
    int capacityRows();

    int cols();
}
