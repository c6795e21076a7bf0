package dev.signet.store.artifact;

import dev.signet.engine.bitdelta.BaseDigest;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.store.config.StoreProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.stereotype.Component;

/**
 * The base model every delta is made against and checked against ({@code signet.store.base-model-dir}), opened once
 * (its weights memory-mapped, read-only, shared by the checks and compressions that run at once) with its
 * {@link BaseDigest}. A missing or unreadable base stops the store at start-up.
 */
@Component
public class BaseModel implements AutoCloseable {
    private final LlamaCheckpoint checkpoint;
    private final String digest;

    public BaseModel(StoreProperties properties) {
        Path dir = properties.baseModelDir();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("signet.store.base-model-dir " + dir + " is not a folder: the store needs the"
                    + " base model its deltas are made against");
        }
        this.checkpoint = LlamaCheckpoint.open(dir);
        this.digest = BaseDigest.of(checkpoint.weights());
    }

    public LlamaCheckpoint checkpoint() {
        return checkpoint;
    }

    /** {@code sha256:<hex>} over the base's weights, as artifacts record it. */
    public String digest() {
        return digest;
    }

    /** The base's folder name ({@code stories260K}), the {@code base_model} of a published binding. */
    public String name() {
        return checkpoint.dir().getFileName().toString();
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
