package dev.signet.engine.deltacache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A delta's identity: the lower-case hex SHA-256 of its artifact file. Files are hashed by streaming through a
 * small direct buffer, so a 9 GB artifact never comes onto the Java heap. Public for the delta store, which names
 * the artifacts it keeps and the chunks it receives the same way.
 */
public final class ArtifactDigest {
    private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");
    private static final int BUFFER = 1 << 20;

    private ArtifactDigest() {}

    public static boolean isValid(String digest) {
        return digest != null && DIGEST.matcher(digest).matches();
    }

    /** The digest itself, or an IllegalArgumentException that says what a digest looks like. */
    public static String require(String digest) {
        if (!isValid(digest)) {
            throw new IllegalArgumentException("a delta is named by its artifact file's sha256 as 64 lower-case hex digits"
                    + " (no \"sha256:\" prefix), got " + (digest == null ? "null" : "\"" + digest + "\""));
        }
        return digest;
    }

    /** Hex SHA-256 of a file's bytes. */
    public static String of(Path file) throws IOException {
        MessageDigest sha = newDigest();
        ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                sha.update(buf);
                buf.clear();
            }
        }
        return hex(sha);
    }

    /** Lower-case hex of a digest's result (which resets it). */
    public static String hex(MessageDigest sha) {
        return HexFormat.of().formatHex(sha.digest());
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-256", e);
        }
    }
}
