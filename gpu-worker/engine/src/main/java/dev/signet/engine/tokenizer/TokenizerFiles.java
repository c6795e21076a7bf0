package dev.signet.engine.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads a model folder's tokenizer files, naming the file in every failure. */
final class TokenizerFiles {
    static final JsonMapper JSON = JsonMapper.builder().build();

    private TokenizerFiles() {}

    static JsonNode readJson(Path file) {
        byte[] bytes = readBytes(file);
        try {
            return JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new TokenizerException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TokenizerException(file, "file not found", e);
        } catch (IOException e) {
            throw new TokenizerException(file, "cannot read: " + e, e);
        }
    }
}
