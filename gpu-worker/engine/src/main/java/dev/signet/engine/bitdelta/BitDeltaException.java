package dev.signet.engine.bitdelta;

import java.nio.file.Path;

/**
 * A BitDelta artifact, or a compression, that cannot be used: names the file (or model folder), the check
 * that failed (one of {@link Check}) and what was found, so an operator knows whether the delta belongs to
 * another base, was truncated or was altered.
 */
public final class BitDeltaException extends RuntimeException {
    /** The checks a delta goes through, in the order they run; documented in docs/bitdelta-format.md. */
    public enum Check {
        FORMAT("format"),
        VERSION("format version"),
        BASE_DIGEST("base digest"),
        TENSOR_LIST("tensor list"),
        SHAPE("shape"),
        SIZE("size"),
        CHECKSUM("checksum"),
        ARCHITECTURE("architecture");

        private final String label;

        Check(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Path file;
    private final Check check;

    public BitDeltaException(Path file, Check check, String message) {
        super(file + ": " + check.label() + " check failed: " + message);
        this.file = file;
        this.check = check;
    }

    public Path file() {
        return file;
    }

    public Check check() {
        return check;
    }
}
