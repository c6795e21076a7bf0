package dev.signet.engine.tokenizer;

import java.nio.file.Path;

/**
 * A tokenizer file (tokenizer.model, tokenizer.json, tokenizer_config.json) or model folder that cannot be
 * used: missing, truncated, malformed, or asking for a feature this package does not implement. The message
 * always names the file and the check that failed, so an operator can fix the upload without reading code.
 */
public final class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    /** {@code "<file>: <check>"}, the form every loader error takes. */
    public TokenizerException(Path file, String check) {
        super(file + ": " + check);
    }

    public TokenizerException(Path file, String check, Throwable cause) {
        super(file + ": " + check, cause);
    }
}
