package dev.signet.engine.backend;

import dev.signet.engine.safetensors.DType;

/**
 * A tensor a backend's ops read but never write: a weight matrix {@code [rows, cols]} ({@code y = W x}
 * reads a row per output), a vector {@code [1, cols]} (norm gains), or a constant table. Where it lives
 * (the file mapping, device memory) is the backend's business.
 */
public interface Weight {
    String name();

    DType dtype();

    int rows();

    int cols();
}
