package dev.signet.registry.storage;

/** A create that would overwrite something that exists (a tenant id taken). */
public final class DuplicateEntryException extends RuntimeException {
    public DuplicateEntryException(EntryKind kind, String name) {
        super(kind.singular() + " '" + name + "' already exists");
    }
}
