package dev.signet.engine.model;

import dev.signet.engine.backend.SignMatrix;
import dev.signet.engine.safetensors.TensorEntry;
import java.util.Map;

/**
 * What a tenant's fine-tune changes in the base model, as the host holds it: sign-compressed projections by
 * tensor name ({@code model.layers.3.mlp.up_proj.weight}) and dense replacements of other tensors (embedding,
 * norms, lm_head) by name. Tensors named in neither are the base's. {@link LlamaModel#load} makes it resident.
 */
public record ModelDelta(String id, Map<String, SignMatrix> projections, Map<String, TensorEntry> dense) {
    public ModelDelta {
        projections = Map.copyOf(projections);
        dense = Map.copyOf(dense);
    }
}
