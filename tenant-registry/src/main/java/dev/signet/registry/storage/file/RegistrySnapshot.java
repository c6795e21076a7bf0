package dev.signet.registry.storage.file;

import dev.signet.registry.storage.TenantRecord;
import java.util.List;

/** {@code registry.json}: every tenant with its models and keys (hashes only), rewritten whole on each change. */
record RegistrySnapshot(int version, List<TenantRecord> tenants) {
    static final int VERSION = 1;
}
