package dev.signet.engine.model;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import tools.jackson.databind.JsonNode;

/**
 * The hyper-parameters of a Llama-family checkpoint, read from Hugging Face's {@code config.json}.
 * Grouped-query attention: {@code numKvHeads} divides {@code numHeads}, each KV head serving
 * {@code numHeads / numKvHeads} query heads.
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,          // dim of the residual stream
        int intermediateSize,    // SwiGLU hidden dim
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int maxPositionEmbeddings,
        float rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        List<Integer> eosTokenIds) {

    public static final String FILE = "config.json";
    static final List<String> SUPPORTED_ARCHITECTURES = List.of("LlamaForCausalLM");

    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    public static LlamaConfig read(Path dir) {
        return parse(JsonFile.read(dir.resolve(FILE)));
    }

    static LlamaConfig parse(JsonFile json) {
        Path file = json.path();
        checkArchitecture(json);
        for (String bias : List.of("attention_bias", "mlp_bias")) {
            if (json.booleanOr(bias, false)) {
                throw new ModelFormatException(file, "'" + bias + "' is true: Llama checkpoints with biases are not supported");
            }
        }
        String act = json.string("hidden_act").orElse("silu");
        if (!act.equals("silu")) {
            throw new ModelFormatException(file, "'hidden_act' is '" + act + "': only silu (SwiGLU) is supported");
        }
        int hidden = json.requiredInt("hidden_size");
        int heads = json.requiredInt("num_attention_heads");
        int kvHeads = json.intOr("num_key_value_heads", heads);
        if (heads % kvHeads != 0) {
            throw new ModelFormatException(file, "num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        int headDim = json.intOr("head_dim", hidden / heads);
        if (!json.has("head_dim") && hidden % heads != 0) {
            throw new ModelFormatException(file, "hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        if (headDim % 2 != 0) {
            throw new ModelFormatException(file, "head_dim " + headDim + " is odd: RoPE rotates pairs");
        }
        JsonNode rope = json.node("rope_parameters");
        double theta = rope != null && rope.has("rope_theta") ? rope.get("rope_theta").asDouble() : json.doubleOr("rope_theta", 10000.0);
        RopeScaling scaling = parseRopeScaling(file, rope != null ? rope : json.node("rope_scaling"));
        double eps = json.doubleOr("rms_norm_eps", 1e-6);
        return new LlamaConfig(
                json.requiredInt("vocab_size"),
                hidden,
                json.requiredInt("intermediate_size"),
                json.requiredInt("num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                json.requiredInt("max_position_embeddings"),
                (float) eps,
                theta,
                scaling,
                json.booleanOr("tie_word_embeddings", false),
                tokenIds(file, json.node("eos_token_id")));
    }

    private static void checkArchitecture(JsonFile json) {
        JsonNode archs = json.node("architectures");
        if (archs != null && archs.isArray() && !archs.isEmpty()) {
            List<String> names = StreamSupport.stream(archs.spliterator(), false).map(JsonNode::asString).toList();
            if (names.stream().noneMatch(SUPPORTED_ARCHITECTURES::contains)) {
                throw new ModelFormatException(json.path(), "unsupported architecture " + names
                        + ": Signet serves the Llama family " + SUPPORTED_ARCHITECTURES);
            }
            return;
        }
        String type = json.string("model_type").orElseThrow(() -> new ModelFormatException(json.path(),
                "neither 'architectures' nor 'model_type' says what model this is"));
        if (!type.equals("llama")) {
            throw new ModelFormatException(json.path(), "unsupported model_type '" + type + "': Signet serves the Llama family");
        }
    }

    private static RopeScaling parseRopeScaling(Path file, JsonNode node) {
        if (node == null || node.isNull()) {
            return new RopeScaling.None();
        }
        JsonNode typeNode = node.has("rope_type") ? node.get("rope_type") : node.get("type");
        String type = typeNode == null ? "default" : typeNode.asString();
        return switch (type) {
            case "default" -> new RopeScaling.None();
            case "linear" -> new RopeScaling.Linear(ropeNumber(file, node, "factor"));
            case "llama3" -> new RopeScaling.Llama3(
                    ropeNumber(file, node, "factor"),
                    ropeNumber(file, node, "low_freq_factor"),
                    ropeNumber(file, node, "high_freq_factor"),
                    (int) ropeNumber(file, node, "original_max_position_embeddings"));
            default -> throw new ModelFormatException(file, "rope scaling type '" + type
                    + "' is not supported (default, linear and llama3 are)");
        };
    }

    private static double ropeNumber(Path file, JsonNode node, String key) {
        JsonNode n = node.get(key);
        if (n == null || !n.isNumber() || n.asDouble() <= 0) {
            throw new ModelFormatException(file, "rope scaling needs a positive '" + key + "', got " + n);
        }
        return n.asDouble();
    }

    /** A token id or a list of them (Llama 3 lists several EOS ids). */
    static List<Integer> tokenIds(Path file, JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<JsonNode> items = node.isArray() ? StreamSupport.stream(node.spliterator(), false).toList() : List.of(node);
        for (JsonNode id : items) {
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
                throw new ModelFormatException(file, "token id " + id + " is not a non-negative integer");
            }
        }
        return items.stream().map(JsonNode::asInt).toList();
    }
}
