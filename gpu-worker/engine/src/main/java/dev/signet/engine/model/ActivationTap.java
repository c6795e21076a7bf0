package dev.signet.engine.model;

/**
 * Sees the inputs of a layer's projections during a forward pass, for calibration (fitting BitDelta scales
 * to the activations the matrices actually meet). Reading them back from the backend costs a copy per site,
 * so a tap names the layers it wants.
 */
public interface ActivationTap {
    /** Where in a layer: the input shared by q, k and v; o's input; gate and up's input; down's input. */
    enum Site { ATTENTION_INPUT, ATTENTION_OUTPUT, MLP_INPUT, MLP_ACTIVATION }

    boolean wants(int layer);

    /** rows: [n, cols] row-major, the step's rows in the model's row order; valid only during the call. */
    void observe(int layer, Site site, float[] rows, int n, int cols);
}
