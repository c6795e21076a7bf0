package dev.signet.engine.medusa;

import dev.signet.engine.medusa.MedusaFormatException.Check;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Medusa heads folder's {@code config.json}: how many heads, how many ResBlocks each, whether the heads end
 * in the serving model's lm_head (Signet's layout) or in a vocabulary projection of their own (Medusa-1's),
 * and the hidden size and vocabulary they were trained for, which must be the serving model's.
 */
public record MedusaConfig(
        int numHeads,                    // K; head i predicts token t+2+i
        int numLayers,                   // ResBlocks per head
        Optional<Boolean> sharesLmHead,  // empty: the tensors say which layout it is
        int hiddenSize,
        int vocabSize,
        Optional<String> baseModel) {    // informational: the model the heads were trained on

    public static final String FILE = "config.json";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public MedusaConfig {
        if (numHeads < 1 || numLayers < 1 || hiddenSize < 1 || vocabSize < 1) {
            throw new IllegalArgumentException("heads " + numHeads + ", layers " + numLayers + ", hidden size "
                    + hiddenSize + " and vocabulary " + vocabSize + " must all be positive");
        }
    }

    /** Reads and checks {@code dir/config.json}; every failure is a {@link MedusaFormatException} naming the key. */
    public static MedusaConfig read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new MedusaFormatException(file, Check.FILE, "file is missing");
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (IOException | JacksonException e) {
            throw new MedusaFormatException(file, Check.CONFIG, null, "cannot parse as JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new MedusaFormatException(file, Check.CONFIG, "not a JSON object");
        }
        JsonNode shares = present(root, "shares_lm_head");
        if (shares != null && !shares.isBoolean()) {
            throw new MedusaFormatException(file, Check.CONFIG, "'shares_lm_head' must be true or false, got " + shares);
        }
        JsonNode base = present(root, "base_model");
        if (base != null && !base.isString()) {
            throw new MedusaFormatException(file, Check.CONFIG, "'base_model' must be a string, got " + base);
        }
        return new MedusaConfig(
                positiveInt(file, root, "medusa_num_heads"),
                positiveInt(file, root, "medusa_num_layers"),
                Optional.ofNullable(shares).map(JsonNode::asBoolean),
                positiveInt(file, root, "hidden_size"),
                positiveInt(file, root, "vocab_size"),
                Optional.ofNullable(base).map(JsonNode::asString));
    }

    private static JsonNode present(JsonNode root, String key) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? null : n;
    }

    private static int positiveInt(Path file, JsonNode root, String key) {
        JsonNode n = present(root, key);
        if (n == null) {
            throw new MedusaFormatException(file, Check.CONFIG, "'" + key + "' is missing");
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0) {
            throw new MedusaFormatException(file, Check.CONFIG, "'" + key + "' must be a positive integer, got " + n);
        }
        return n.asInt();
    }
}
