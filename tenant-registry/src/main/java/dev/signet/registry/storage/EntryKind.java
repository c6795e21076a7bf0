package dev.signet.registry.storage;

/** The things the registry names, as its errors speak of them. */
public enum EntryKind {
    TENANT("tenant", "tenants"), KEY("key", "keys"), MODEL("model", "models");

    private final String singular;
    private final String plural;

    EntryKind(String singular, String plural) {
        this.singular = singular;
        this.plural = plural;
    }

    public String singular() {
        return singular;
    }

    public String plural() {
        return plural;
    }
}
