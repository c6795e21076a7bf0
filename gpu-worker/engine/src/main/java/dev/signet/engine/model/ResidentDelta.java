package dev.signet.engine.model;

import dev.signet.engine.backend.DeltaWeight;
import dev.signet.engine.backend.Weight;
import java.util.List;

/**
 * A tenant's delta made resident on a model's backend by {@link LlamaModel#load}: per layer, the sign
 * planes that ride along each projection group (null where the tenant kept the base's projection) and the
 * tenant's own norms; its own embedding, final norm and lm_head where it has them (null: the base's).
 * Closing it frees the backend's copies; sequences must not run under it afterwards.
 */
public final class ResidentDelta implements AutoCloseable {
    private final String id;
    private final List<Layer> layers;
    private final Weight embedding;   // [vocab, dim] or null
    private final Weight finalNorm;   // [dim] or null
    private final Weight lmHead;      // [vocab, dim] or null
    private boolean closed;

    /** One layer's share: deltas parallel to the base's grouped weights ({q, k, v}, o, {gate, up}, down). */
    record Layer(Weight attnNorm, DeltaWeight[] qkv, DeltaWeight[] wo, Weight ffnNorm, DeltaWeight[] gateUp,
                 DeltaWeight[] down) {}

    ResidentDelta(String id, List<Layer> layers, Weight embedding, Weight finalNorm, Weight lmHead) {
        this.id = id;
        this.layers = List.copyOf(layers);
        this.embedding = embedding;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    public String id() {
        return id;
    }

    Layer layer(int l) {
        return layers.get(l);
    }

    Weight embedding() {
        return embedding;
    }

    Weight finalNorm() {
        return finalNorm;
    }

    Weight lmHead() {
        return lmHead;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Layer l : layers) {
            for (DeltaWeight[] group : new DeltaWeight[][] {l.qkv(), l.wo(), l.gateUp(), l.down()}) {
                for (DeltaWeight d : group) {
                    if (d != null) {
                        d.close();
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "delta " + id;
    }
}
