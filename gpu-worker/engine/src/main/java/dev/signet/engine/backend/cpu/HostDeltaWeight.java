package dev.signet.engine.backend.cpu;

import dev.signet.engine.backend.DeltaWeight;
import dev.signet.engine.backend.SignMatrix;

/**
 * A sign matrix read in place from host memory (usually the artifact's mapping): kernels apply its packed
 * bits directly, never a dense copy. Closing frees nothing; the mapping is the loader's to close.
 */
public record HostDeltaWeight(SignMatrix matrix) implements DeltaWeight {
    @Override
    public String name() {
        return matrix.name();
    }

    @Override
    public int rows() {
        return matrix.rows();
    }

    @Override
    public int cols() {
        return matrix.cols();
    }

    @Override
    public void close() {}
}
