package dev.signet.engine.backend;

/**
 * A {@link SignMatrix} made resident by a backend: what a projection adds for one tenant's rows,
 * {@code y += Σ_p scales_p ⊙ (S_p · x)}. Closing it frees whatever the backend allocated for it (device
 * memory); on the host it may read the artifact's mapping in place, which must outlive it.
 */
public interface DeltaWeight extends AutoCloseable {
    String name();

    int rows();

    int cols();

    @Override
    void close();
}
