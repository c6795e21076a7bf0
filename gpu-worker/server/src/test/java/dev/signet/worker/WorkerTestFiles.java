package dev.signet.worker;

import dev.signet.worker.config.SignetHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The repository's files the tests serve (Surefire sets {@code signet.home} to the checkout), and scratch folders
 * under this module's {@code target/}.
 */
final class WorkerTestFiles {
    private WorkerTestFiles() {}

    static Path repo() {
        return SignetHome.dir();
    }

    static Path bundledDelta(String name) {
        return repo().resolve("models/deltas/" + name + ".safetensors");
    }

    /** The sha256 of a file, as the delta cache names deltas. */
    static String digest(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String bundledDigest(String name) {
        return digest(bundledDelta(name));
    }

    /** A fresh folder under target/. */
    static Path scratch(String prefix) {
        try {
            Path target = Path.of("target");
            Files.createDirectories(target);
            return Files.createTempDirectory(target, prefix).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A delta folder holding copies of the bundled deltas and {@code broken.safetensors}: caps with one byte of its last
     * tensor flipped, so it hashes to a digest of its own and then fails the artifact's checksum check.
     */
    static Path deltaDirWithBrokenArtifact() {
        Path dir = scratch("deltas-");
        try {
            for (String name : new String[] {"caps", "pycode", "legal"}) {
                Files.copy(bundledDelta(name), dir.resolve(name + ".safetensors"));
            }
            byte[] bytes = Files.readAllBytes(bundledDelta("caps"));
            bytes[bytes.length - 3] ^= 0x40;
            Files.write(dir.resolve("broken.safetensors"), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
