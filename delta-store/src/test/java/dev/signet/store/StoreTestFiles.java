package dev.signet.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The files the tests upload: the shared fixtures' caps fine-tune ({@code signet.fixtures}), a short eval text cut
 * from its corpus, the repository's bundled caps artifact ({@code signet.home}), artifacts damaged on purpose, and
 * scratch folders under this module's {@code target/}.
 */
final class StoreTestFiles {
    static final String ADMIN_TOKEN = "test-admin-token";
    private static final String SEPARATOR = "\n<|endoftext|>\n";

    private StoreTestFiles() {}

    static Path fixtures() {
        return Path.of(System.getProperty("signet.fixtures", "../../shared/fixtures")).toAbsolutePath().normalize();
    }

    static Path repo() {
        return Path.of(System.getProperty("signet.home", "..")).toAbsolutePath().normalize();
    }

    /** The caps fine-tune: config.json and model.safetensors (and tokenizer files the upload leaves out). */
    static Path capsCheckpoint() {
        return fixtures().resolve("tenants/caps");
    }

    static Path bundledCapsArtifact() {
        return repo().resolve("models/deltas/caps.safetensors");
    }

    /** The first documents of the caps eval corpus, about {@code chars} characters, cut at a document boundary. */
    static byte[] evalText(int chars) {
        String text = read(fixtures().resolve("corpora/caps/eval.txt"));
        int end = text.indexOf(SEPARATOR, chars);
        return text.substring(0, end + SEPARATOR.length()).getBytes(StandardCharsets.UTF_8);
    }

    /** The bundled caps artifact claiming another base: its header's base digest changed, its size unchanged. */
    static byte[] artifactOfAnotherBase() {
        byte[] bytes = bytes(bundledCapsArtifact());
        String latin = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = latin.indexOf("\"base_digest\":\"sha256:") + "\"base_digest\":\"sha256:".length();
        for (int i = 0; i < 8; i++) {
            bytes[at + i] = (byte) (bytes[at + i] == '0' ? '1' : '0');
        }
        return bytes;
    }

    /** Not a safetensors file at all. */
    static byte[] malformedArtifact() {
        return "this is not a safetensors file, only some text that claims to be one".repeat(40).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        return new String(bytes(file), StandardCharsets.UTF_8);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fresh folder under target/. */
    static Path scratch(String prefix) {
        try {
            Path target = Files.createDirectories(Path.of("target"));
            return Files.createTempDirectory(target, prefix).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
