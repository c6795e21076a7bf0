package dev.signet.engine.model;

import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.SafetensorsCheckpoint;
import dev.signet.engine.safetensors.TensorEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every tensor a Llama forward pass reads, checked against the config: present, of a weight dtype
 * (f32, f16, bf16) and of the expected shape. With tied embeddings {@code lmHead} is the embedding table.
 */
public record LlamaWeights(
        TensorEntry tokenEmbedding,  // [vocab, dim]
        List<LayerWeights> layers,
        TensorEntry finalNorm,       // [dim]
        TensorEntry lmHead) {        // [vocab, dim]

    public static final String EMBEDDING = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    public LlamaWeights {
        layers = List.copyOf(layers);
    }

    public static LlamaWeights from(LlamaConfig c, SafetensorsCheckpoint ckpt) {
        long dim = c.hiddenSize();
        TensorEntry embedding = take(ckpt, EMBEDDING, c.vocabSize(), dim);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) {
            layers.add(new LayerWeights(
                    take(ckpt, LayerWeights.name(l, "input_layernorm.weight"), dim),
                    take(ckpt, LayerWeights.name(l, "self_attn.q_proj.weight"), c.qDim(), dim),
                    take(ckpt, LayerWeights.name(l, "self_attn.k_proj.weight"), c.kvDim(), dim),
                    take(ckpt, LayerWeights.name(l, "self_attn.v_proj.weight"), c.kvDim(), dim),
                    take(ckpt, LayerWeights.name(l, "self_attn.o_proj.weight"), dim, c.qDim()),
                    take(ckpt, LayerWeights.name(l, "post_attention_layernorm.weight"), dim),
                    take(ckpt, LayerWeights.name(l, "mlp.gate_proj.weight"), c.intermediateSize(), dim),
                    take(ckpt, LayerWeights.name(l, "mlp.up_proj.weight"), c.intermediateSize(), dim),
                    take(ckpt, LayerWeights.name(l, "mlp.down_proj.weight"), dim, c.intermediateSize())));
        }
        TensorEntry norm = take(ckpt, FINAL_NORM, dim);
        TensorEntry head = c.tieWordEmbeddings() ? embedding : take(ckpt, LM_HEAD, c.vocabSize(), dim);
        return new LlamaWeights(embedding, layers, norm, head);
    }

    /** The stored type of the projections, which a decode step mostly streams. */
    public DType projectionDtype() {
        return layers.getFirst().wq().dtype();
    }

    /** Every distinct tensor, embedding first, in forward order; the tied head is not listed twice. */
    public Stream<TensorEntry> all() {
        Stream<TensorEntry> layerTensors = layers.stream().flatMap(l -> Stream.of(
                l.attnNorm(), l.wq(), l.wk(), l.wv(), l.wo(), l.ffnNorm(), l.gate(), l.up(), l.down()));
        Stream<TensorEntry> head = lmHead == tokenEmbedding ? Stream.empty() : Stream.of(lmHead);
        return Stream.of(Stream.of(tokenEmbedding), layerTensors, Stream.of(finalNorm), head).flatMap(s -> s);
    }

    private static TensorEntry take(SafetensorsCheckpoint ckpt, String name, long... shape) {
        if (!ckpt.has(name)) {
            throw new ModelFormatException(ckpt.dir(), "tensor '" + name + "' is missing");
        }
        TensorEntry t = ckpt.tensor(name);
        if (!t.dtype().isWeightType()) {
            throw new ModelFormatException(t.file(), "tensor '" + name + "' has dtype " + t.dtype()
                    + "; weights must be " + List.of(DType.F32, DType.F16, DType.BF16));
        }
        if (!t.hasShape(shape)) {
            throw new ModelFormatException(t.file(), "tensor '" + name + "' has shape " + t.shapeString()
                    + " but config.json implies " + java.util.Arrays.toString(shape));
        }
        return t;
    }
}
