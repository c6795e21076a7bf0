package dev.signet.engine.eval;

import java.nio.file.Path;

/** An evaluation text that cannot be scored; the message names the file and the check that failed. */
public final class EvalTextException extends RuntimeException {
    public EvalTextException(Path file, String check) {
        super(file + ": " + check);
    }

    public EvalTextException(Path file, String check, Throwable cause) {
        super(file + ": " + check, cause);
    }
}
