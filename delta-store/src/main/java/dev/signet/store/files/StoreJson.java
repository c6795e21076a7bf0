package dev.signet.store.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON the store writes to disk (upload manifests, jobs, artifact metadata) and in error bodies: snake_case like
 * the API, independent of the HTTP layer's configuration so the files read the same whatever runs the store.
 */
public final class StoreJson {
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    private StoreJson() {}

    public static byte[] bytes(Object value) {
        return MAPPER.writeValueAsBytes(value);
    }

    /** Reads a record the store wrote; a file that does not parse names itself. */
    public static <T> T read(Path file, Class<T> type) throws IOException {
        try {
            return MAPPER.readValue(Files.readAllBytes(file), type);
        } catch (JacksonException e) {
            throw new IOException(file + " is not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Writes a record durably (see {@link DurableFiles#write}). */
    public static void write(Path file, Object value) throws IOException {
        DurableFiles.write(file, bytes(value));
    }
}
