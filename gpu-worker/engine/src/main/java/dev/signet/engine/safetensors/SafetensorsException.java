package dev.signet.engine.safetensors;

import java.nio.file.Path;

/** A safetensors file that cannot be used; the message names the file, the tensor (if any) and the failed check. */
public final class SafetensorsException extends RuntimeException {
    public SafetensorsException(Path file, String tensor, String check) {
        super(file + (tensor == null ? "" : ": tensor '" + tensor + "'") + ": " + check);
    }

    public SafetensorsException(Path file, String check, Throwable cause) {
        super(file + ": " + check, cause);
    }
}
