package dev.signet.registry.storage;

import java.util.Collection;
import java.util.List;

/**
 * A tenant, key or model that does not exist. The message names what was asked for and, when there are few, what
 * exists instead ({@value #LISTED_AT_MOST} at most), so an operator sees a typo at once.
 */
public final class NoSuchEntryException extends RuntimeException {
    static final int LISTED_AT_MOST = 10;

    private final EntryKind kind;

    private NoSuchEntryException(EntryKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public static NoSuchEntryException tenant(String id, Collection<String> existing) {
        return new NoSuchEntryException(EntryKind.TENANT, "unknown tenant '" + id + "'; " + listing("tenants", existing));
    }

    /** A key or model that tenant {@code tenant} does not have. */
    public static NoSuchEntryException of(EntryKind kind, String tenant, String name, Collection<String> existing) {
        return new NoSuchEntryException(kind, "tenant '" + tenant + "' has no " + kind.singular() + " '" + name + "'; "
                + listing("its " + kind.plural(), existing));
    }

    public EntryKind kind() {
        return kind;
    }

    private static String listing(String what, Collection<String> existing) {
        if (existing.isEmpty()) {
            return what + ": none";
        }
        if (existing.size() > LISTED_AT_MOST) {
            return existing.size() + " " + what.replace("its ", "") + " exist";
        }
        return what + ": " + String.join(", ", List.copyOf(existing).stream().sorted().toList());
    }
}
