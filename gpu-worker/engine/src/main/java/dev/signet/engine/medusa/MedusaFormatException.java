package dev.signet.engine.medusa;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A Medusa heads folder that cannot be served: names the file, the check that failed (one of {@link Check}),
 * the tensor at fault when there is one, and what was found against what was expected, so whoever trained
 * the heads knows whether they belong to another model, were exported in another layout or were cut short.
 */
public final class MedusaFormatException extends RuntimeException {
    /** The checks a heads folder goes through, in the order they run. */
    public enum Check {
        FILE("file"),
        CONFIG("config"),
        MODEL("model"),
        TENSOR_LIST("tensor list"),
        DTYPE("dtype"),
        SHAPE("shape");

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
    private final String tensor;

    public MedusaFormatException(Path file, Check check, String message) {
        this(file, check, null, message, null);
    }

    public MedusaFormatException(Path file, Check check, String tensor, String message) {
        this(file, check, tensor, message, null);
    }

    public MedusaFormatException(Path file, Check check, String tensor, String message, Throwable cause) {
        super(file + ": " + check.label() + " check failed: " + (tensor == null ? "" : "tensor '" + tensor + "': ") + message,
                cause);
        this.file = file;
        this.check = check;
        this.tensor = tensor;
    }

    public Path file() {
        return file;
    }

    public Check check() {
        return check;
    }

    /** The tensor that failed the check (the first one, when several did). */
    public Optional<String> tensor() {
        return Optional.ofNullable(tensor);
    }
}
