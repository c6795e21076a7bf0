package dev.signet.engine.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A JSON object read from a model folder, with accessors that fail with the file and key in the message
 * instead of returning nulls: {@code config.json: 'hidden_size' is missing}.
 */
record JsonFile(Path path, JsonNode root) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    static JsonFile read(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new ModelFormatException(path, "file is missing");
        }
        try {
            JsonNode root = JSON.readTree(Files.readString(path));
            if (root == null || !root.isObject()) {
                throw new ModelFormatException(path, "not a JSON object");
            }
            return new JsonFile(path, root);
        } catch (IOException | JacksonException e) {
            throw new ModelFormatException(path, "cannot parse as JSON: " + e.getMessage(), e);
        }
    }

    static Optional<JsonFile> readIfPresent(Path path) {
        return Files.isRegularFile(path) ? Optional.of(read(path)) : Optional.empty();
    }

    JsonNode node(String key) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? null : n;
    }

    boolean has(String key) {
        return node(key) != null;
    }

    int requiredInt(String key) {
        JsonNode n = node(key);
        if (n == null) {
            throw new ModelFormatException(path, "'" + key + "' is missing");
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0) {
            throw new ModelFormatException(path, "'" + key + "' must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    int intOr(String key, int fallback) {
        return has(key) ? requiredInt(key) : fallback;
    }

    double requiredDouble(String key) {
        JsonNode n = node(key);
        if (n == null || !n.isNumber()) {
            throw new ModelFormatException(path, "'" + key + "' must be a number, got " + n);
        }
        return n.asDouble();
    }

    double doubleOr(String key, double fallback) {
        return has(key) ? requiredDouble(key) : fallback;
    }

    boolean booleanOr(String key, boolean fallback) {
        JsonNode n = node(key);
        if (n == null) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw new ModelFormatException(path, "'" + key + "' must be true or false, got " + n);
        }
        return n.asBoolean();
    }

    Optional<String> string(String key) {
        JsonNode n = node(key);
        return n != null && n.isString() ? Optional.of(n.asString()) : Optional.empty();
    }
}
