package dev.signet.engine.model;

import dev.signet.engine.safetensors.TensorEntry;

/** One decoder layer's tensors, in Hugging Face's {@code [out, in]} layout ({@code y = W x}). */
public record LayerWeights(
        TensorEntry attnNorm,  // [dim]
        TensorEntry wq,        // [heads * headDim, dim]
        TensorEntry wk,        // [kvHeads * headDim, dim]
        TensorEntry wv,        // [kvHeads * headDim, dim]
        TensorEntry wo,        // [dim, heads * headDim]
        TensorEntry ffnNorm,   // [dim]
        TensorEntry gate,      // [hidden, dim]
        TensorEntry up,        // [hidden, dim]
        TensorEntry down) {    // [dim, hidden]

    /** Hugging Face's tensor name of a layer's projection, e.g. {@code model.layers.3.self_attn.q_proj.weight}. */
    public static String name(int layer, String suffix) {
        return "model.layers." + layer + "." + suffix;
    }
}
