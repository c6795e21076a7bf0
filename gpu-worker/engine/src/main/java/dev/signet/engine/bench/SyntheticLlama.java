package dev.signet.engine.bench;

import dev.signet.engine.model.LayerWeights;
import dev.signet.engine.model.LlamaWeights;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.LittleEndian;
import dev.signet.engine.safetensors.SafetensorsWriter;
import dev.signet.engine.safetensors.SafetensorsWriter.PendingTensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A Llama checkpoint of a real model's shape with random weights, written as a Hugging Face folder
 * ({@code config.json} + {@code model.safetensors}) so benchmarks and tests load it through the same
 * memory-mapped path as a real one. The weights are a deterministic function of the shape, dtype and seed;
 * matrices are uniform in ±1/sqrt(in) (activations stay O(1) through the layers), norm gains in [0.5, 1.5].
 */
public record SyntheticLlama(String label, int vocab, int dim, int hidden, int layers, int heads, int kvHeads,
                             int maxPositions, boolean tiedEmbeddings) {

    /** llama2.c's stories110M shape: 109.5M parameters, 32000-token vocabulary, tied classifier. */
    public static final SyntheticLlama STORIES_110M = new SyntheticLlama("110M", 32000, 768, 2048, 12, 12, 12, 1024, true);

    public int headDim() {
        return dim / heads;
    }

    public String configJson() {
        return """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": %d, "hidden_size": %d,
                 "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d,
                 "max_position_embeddings": %d, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "hidden_act": "silu",
                 "tie_word_embeddings": %s, "bos_token_id": 1, "eos_token_id": 2}
                """.formatted(vocab, dim, hidden, layers, heads, kvHeads, maxPositions, tiedEmbeddings);
    }

    /** Writes the folder unless an identical one (same config and dtype/seed stamp) is already there. */
    public Path writeTo(Path dir, DType dtype, long seed) throws IOException {
        Files.createDirectories(dir);
        String stamp = dtype + " seed " + seed + "\n" + configJson();
        Path stampFile = dir.resolve("synthetic.txt");
        if (Files.isRegularFile(stampFile) && Files.readString(stampFile).equals(stamp)
                && Files.isRegularFile(dir.resolve("model.safetensors"))) {
            return dir;
        }
        Files.writeString(dir.resolve("config.json"), configJson());
        List<PendingTensor> tensors = new ArrayList<>();
        long[] counter = {seed};
        tensors.add(random(LlamaWeights.EMBEDDING, dtype, vocab, dim, counter));
        for (int l = 0; l < layers; l++) {
            tensors.add(gains(LayerWeights.name(l, "input_layernorm.weight"), dtype, dim, counter));
            tensors.add(random(LayerWeights.name(l, "self_attn.q_proj.weight"), dtype, heads * headDim(), dim, counter));
            tensors.add(random(LayerWeights.name(l, "self_attn.k_proj.weight"), dtype, kvHeads * headDim(), dim, counter));
            tensors.add(random(LayerWeights.name(l, "self_attn.v_proj.weight"), dtype, kvHeads * headDim(), dim, counter));
            tensors.add(random(LayerWeights.name(l, "self_attn.o_proj.weight"), dtype, dim, heads * headDim(), counter));
            tensors.add(gains(LayerWeights.name(l, "post_attention_layernorm.weight"), dtype, dim, counter));
            tensors.add(random(LayerWeights.name(l, "mlp.gate_proj.weight"), dtype, hidden, dim, counter));
            tensors.add(random(LayerWeights.name(l, "mlp.up_proj.weight"), dtype, hidden, dim, counter));
            tensors.add(random(LayerWeights.name(l, "mlp.down_proj.weight"), dtype, dim, hidden, counter));
        }
        tensors.add(gains(LlamaWeights.FINAL_NORM, dtype, dim, counter));
        if (!tiedEmbeddings) {
            tensors.add(random(LlamaWeights.LM_HEAD, dtype, vocab, dim, counter));
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("format", "pt", "signet", "synthetic"), tensors);
        Files.writeString(stampFile, stamp);
        return dir;
    }

    private static PendingTensor random(String name, DType dtype, int rows, int cols, long[] counter) {
        long seed = counter[0]++;
        float bound = (float) (1.0 / Math.sqrt(cols));
        return new PendingTensor(name, dtype, new long[] {rows, cols}, target -> {
            SplittableRandom rng = new SplittableRandom(seed);
            long n = (long) rows * cols;
            for (long i = 0; i < n; i++) {
                put(target, dtype, i, (float) ((rng.nextDouble() * 2 - 1) * bound));
            }
        });
    }

    private static PendingTensor gains(String name, DType dtype, int n, long[] counter) {
        long seed = counter[0]++;
        return new PendingTensor(name, dtype, new long[] {n}, target -> {
            SplittableRandom rng = new SplittableRandom(seed);
            for (long i = 0; i < n; i++) {
                put(target, dtype, i, (float) (0.5 + rng.nextDouble()));
            }
        });
    }

    private static void put(MemorySegment target, DType dtype, long index, float value) {
        switch (dtype) {
            case F32 -> target.setAtIndex(LittleEndian.F32, index, value);
            case F16 -> target.setAtIndex(LittleEndian.U16, index, Float.floatToFloat16(value));
            case BF16 -> target.setAtIndex(LittleEndian.U16, index, (short) (Float.floatToRawIntBits(value) >>> 16));
            default -> throw new IllegalArgumentException("synthetic weights are f32, f16 or bf16, not " + dtype);
        }
    }
}
