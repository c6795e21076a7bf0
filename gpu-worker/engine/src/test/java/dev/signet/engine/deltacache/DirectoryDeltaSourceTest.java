package dev.signet.engine.deltacache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A folder of artifacts as a delta source: the bundled demo deltas offered by name, fetched by sha256. */
class DirectoryDeltaSourceTest {
    @TempDir
    Path tmp;

    @Test
    void offersTheBundledDeltasByNameWithTheirFilesSha256() throws IOException, NoSuchAlgorithmException {
        DirectoryDeltaSource source = new DirectoryDeltaSource(CachedWorker.BUNDLED);
        assertThat(source.digestsByName()).containsOnlyKeys("caps", "legal", "pycode");
        for (var e : source.digestsByName().entrySet()) {
            byte[] bytes = Files.readAllBytes(CachedWorker.bundledFile(e.getKey()));
            assertThat(e.getValue()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        }
        Path target = tmp.resolve("copy");
        source.fetch(source.digestsByName().get("pycode"), target);
        assertThat(target).hasSameBinaryContentAs(CachedWorker.bundledFile("pycode"));
    }

    @Test
    void picksUpFilesAddedLaterAndSaysWhenADigestIsMissing() throws IOException {
        DirectoryDeltaSource source = new DirectoryDeltaSource(tmp);
        String caps = CachedWorker.digest("caps");
        assertThatThrownBy(() -> source.fetch(caps, tmp.resolve("out"))).isInstanceOf(DeltaNotFoundException.class)
                .hasMessage("directory " + tmp.toAbsolutePath().normalize() + " has no delta with digest " + caps);
        Files.copy(CachedWorker.bundledFile("caps"), tmp.resolve("shouting.safetensors"));
        assertThat(source.digestsByName()).containsExactlyEntriesOf(java.util.Map.of("shouting", caps));
        assertThatThrownBy(() -> new DirectoryDeltaSource(tmp.resolve("absent"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not exist");
    }
}
