package dev.signet.engine.medusa.training;

import dev.signet.engine.model.LlamaWeights;
import dev.signet.engine.model.ModelDelta;
import dev.signet.engine.safetensors.TensorEntry;

/**
 * The serving model's classifier, frozen, which every head's ResBlock output goes through
 * ({@code shares_lm_head}): the tenant's own lm_head when its delta carries one (its own embedding when the model
 * ties them), else the base's. Held in float32 twice, as stored ({@code [vocab, dim]}, for the backward product
 * dY = dZ·E) and transposed ({@code [dim, vocab]}, for the forward product Z = Y·Eᵀ), so both products stream
 * contiguous rows: 2 × vocab × dim × 4 bytes (512 KiB for stories260K, 1 GiB for a 32k × 4096 model).
 */
public record SharedLmHead(int vocab, int dim, float[] weight, float[] transposed) {  // weight [vocab, dim], transposed [dim, vocab]

    /** The classifier rows of the model under {@code delta} (null: the base). */
    public static SharedLmHead of(LlamaWeights base, ModelDelta delta) {
        TensorEntry head = base.lmHead();
        if (delta != null) {
            String name = base.lmHead() == base.tokenEmbedding() ? LlamaWeights.EMBEDDING : LlamaWeights.LM_HEAD;
            TensorEntry own = delta.dense().get(name);
            if (own != null) {
                head = own;
            }
        }
        return of(head);
    }

    public static SharedLmHead of(TensorEntry head) {
        int vocab = Math.toIntExact(head.dim(0));
        int dim = Math.toIntExact(head.dim(1));
        float[] w = new float[Math.multiplyExact(vocab, dim)];
        head.dtype().readFloats(head.data(), 0, w);
        return of(vocab, dim, w);
    }

    public static SharedLmHead of(int vocab, int dim, float[] weight) {
        float[] t = new float[weight.length];
        for (int v = 0; v < vocab; v++) {
            for (int k = 0; k < dim; k++) {
                t[k * vocab + v] = weight[v * dim + k];
            }
        }
        return new SharedLmHead(vocab, dim, weight, t);
    }
}
