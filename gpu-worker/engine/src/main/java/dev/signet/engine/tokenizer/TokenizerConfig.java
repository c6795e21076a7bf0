package dev.signet.engine.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The parts of a Hugging Face {@code tokenizer_config.json} that change how prompts are tokenized:
 * {@code add_bos_token} (overrides the tokenizer's own default) and the BOS/EOS token contents (a string,
 * or an AddedToken object with {@code content}). Everything else in the file (chat template, padding side,
 * clean-up flags) is left to other layers.
 */
public record TokenizerConfig(Optional<Boolean> addBosToken, Optional<String> bosToken, Optional<String> eosToken) {

    /** No tokenizer_config.json: every tokenizer default applies. */
    public static final TokenizerConfig NONE = new TokenizerConfig(Optional.empty(), Optional.empty(), Optional.empty());


    /** Reads {@code file}; fails with the file name when it is not valid JSON or has wrongly typed fields. */
    public static TokenizerConfig read(Path file) {
        return from(file, TokenizerFiles.readJson(file));
    }

    /** The config in {@code root}, the parsed {@code file} (named in errors). */
    static TokenizerConfig from(Path file, JsonNode root) {
        if (!root.isObject()) {
            throw new TokenizerException(file, "top level is not a JSON object");
        }
        Optional<Boolean> addBos = Optional.empty();
        JsonNode node = root.get("add_bos_token");
        if (node != null && !node.isNull()) {
            if (!node.isBoolean()) {
                throw new TokenizerException(file, "add_bos_token is " + node + ", expected true or false");
            }
            addBos = Optional.of(node.booleanValue());
        }
        return new TokenizerConfig(addBos, tokenContent(file, root, "bos_token"), tokenContent(file, root, "eos_token"));
    }

    private static Optional<String> tokenContent(Path file, JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isString()) {
            return Optional.of(node.stringValue());
        }
        if (node.isObject() && node.path("content").isString()) {
            return Optional.of(node.get("content").stringValue());
        }
        throw new TokenizerException(file, field + " is " + node + ", expected a string or {\"content\": ...}");
    }
}
