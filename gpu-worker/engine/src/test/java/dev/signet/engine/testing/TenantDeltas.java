package dev.signet.engine.testing;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.bitdelta.BitDeltaCompressor;
import dev.signet.engine.bitdelta.CompressionOptions;
import dev.signet.engine.model.LlamaCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixture tenants compressed by {@link BitDeltaCompressor} with plain BitDelta, once per JVM, into
 * {@code target/test-deltas}: the artifacts the serving and eval tests load.
 */
public final class TenantDeltas {
    public static final List<String> TENANTS = List.of("caps", "pycode", "legal");
    private static final Map<String, Path> PLAIN = new HashMap<>();

    private TenantDeltas() {}

    public static Path base() {
        return Fixtures.path("stories260K");
    }

    public static Path tenant(String name) {
        return Fixtures.path("tenants/" + name);
    }

    /** A scratch folder for artifacts under the module's target/. */
    public static Path scratch() {
        try {
            return Files.createDirectories(Path.of("target", "test-deltas").toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static synchronized Path plain(String tenant) {
        return PLAIN.computeIfAbsent(tenant, t -> {
            Path out = scratch().resolve(t + ".safetensors");
            try (LlamaCheckpoint base = LlamaCheckpoint.open(base()); LlamaCheckpoint tuned = LlamaCheckpoint.open(tenant(t))) {
                new BitDeltaCompressor(() -> new VectorCpuBackend(2))
                        .compress(base, tuned, out, CompressionOptions.plain(), BitDeltaCompressor.Progress.NONE);
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
