package dev.signet.engine.eval;

import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ResidentDelta;
import java.util.Objects;

/**
 * A model as evaluated: a resident {@link LlamaModel} and the tenant delta its sequences run under, null for
 * the plain base. Several variants may share one model (the base and its tenants' deltas).
 */
public record ModelVariant(LlamaModel model, ResidentDelta delta) {
    public ModelVariant {
        Objects.requireNonNull(model, "model");
    }

    public static ModelVariant base(LlamaModel model) {
        return new ModelVariant(model, null);
    }

    /** "base" or the delta's id, for reports. */
    public String name() {
        return delta == null ? "base" : delta.id();
    }
}
