package dev.signet.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Scratch directories under the module's target/, which {@code mvn clean} removes. */
public final class TestDirs {
    private TestDirs() {}

    public static Path create(String prefix) {
        try {
            Path base = Path.of("target", "test-scratch").toAbsolutePath();
            Files.createDirectories(base);
            return Files.createTempDirectory(base, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
