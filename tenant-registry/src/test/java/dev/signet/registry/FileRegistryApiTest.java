package dev.signet.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The API contract against the file store, in a fresh directory; stored content is every file in it. */
class FileRegistryApiTest extends RegistryApiContract {
    private final Path dataDir = TestDirs.create("registry-api-");

    @Override
    List<String> storeArguments() {
        return List.of("--signet.registry.store=file", "--signet.registry.data-dir=" + dataDir,
                "--signet.registry.usage-compact-every=3"); // compaction happens within the tests
    }

    @Override
    String storedContent() {
        try (Stream<Path> files = Files.walk(dataDir)) {
            return files.filter(Files::isRegularFile).map(FileRegistryApiTest::read).collect(Collectors.joining("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
