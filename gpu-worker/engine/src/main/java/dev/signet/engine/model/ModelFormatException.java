package dev.signet.engine.model;

import java.nio.file.Path;

/** A model folder that cannot be served; the message names the file and the check that failed. */
public final class ModelFormatException extends RuntimeException {
    public ModelFormatException(Path file, String check) {
        super(file + ": " + check);
    }

    public ModelFormatException(Path file, String check, Throwable cause) {
        super(file + ": " + check, cause);
    }
}
