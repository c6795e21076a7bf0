package dev.signet.registry.storage;

/** The store could not read or durably write (a disk error, Redis down): nothing was acknowledged, the caller may retry. */
public final class StorageUnavailableException extends RuntimeException {
    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
