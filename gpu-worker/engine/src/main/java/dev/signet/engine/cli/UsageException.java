package dev.signet.engine.cli;

/** A command line that cannot be run as written; the CLI prints the message and the command's usage, exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
