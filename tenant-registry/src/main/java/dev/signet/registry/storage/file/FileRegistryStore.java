package dev.signet.registry.storage.file;

import dev.signet.registry.key.ApiKey;
import dev.signet.registry.model.ModelBinding;
import dev.signet.registry.storage.Authentication;
import dev.signet.registry.storage.DuplicateEntryException;
import dev.signet.registry.storage.EntryKind;
import dev.signet.registry.storage.NoSuchEntryException;
import dev.signet.registry.storage.RegistryStore;
import dev.signet.registry.storage.StorageUnavailableException;
import dev.signet.registry.storage.StoreJson;
import dev.signet.registry.storage.TenantRecord;
import dev.signet.registry.tenant.Quota;
import dev.signet.registry.tenant.Tenant;
import dev.signet.registry.usage.TenantUsage;
import dev.signet.registry.usage.UsageReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry in a directory, for one process (docs/tenant-registry.md, "Storage layout"). Tenants, models and keys
 * live in {@code registry.json}, rewritten whole on each change through {@link AtomicFile}; usage goes to the
 * {@link UsageJournal} and is compacted into {@code usage.json} every {@code compactEvery} entries. Every change is on
 * disk before its method returns, and a crash at any moment (kill -9, power cut) leaves the old state or the new one.
 * Reads come from memory: an immutable view swapped in after each durable write.
 */
public final class FileRegistryStore implements RegistryStore {
    private static final Logger log = LoggerFactory.getLogger(FileRegistryStore.class);
    static final String REGISTRY_FILE = "registry.json";
    static final String USAGE_FILE = "usage.json";

    private final Path dir;
    private final DirectoryLock lock;
    private final long compactEvery;
    private final Object usageLock = new Object();
    private volatile View view; // replaced under synchronized (this), after registry.json holds it
    private final UsageLedger ledger; // guarded by usageLock
    private final UsageJournal journal; // guarded by usageLock

    /** The tenants by id, and the live keys by hash: one immutable value, so a read never sees half a change. */
    private record View(SortedMap<String, TenantRecord> tenants, Map<String, ApiKey> liveKeys) {
        static View of(SortedMap<String, TenantRecord> tenants) {
            Map<String, ApiKey> live = new HashMap<>();
            tenants.values().forEach(t -> t.keys().stream().filter(k -> !k.revoked()).forEach(k -> live.put(k.sha256(), k)));
            return new View(tenants, live);
        }
    }

    private FileRegistryStore(Path dir, DirectoryLock lock, View view, UsageLedger ledger, UsageJournal journal, long compactEvery) {
        this.dir = dir;
        this.lock = lock;
        this.view = view;
        this.ledger = ledger;
        this.journal = journal;
        this.compactEvery = compactEvery;
    }

    /**
     * Opens (or creates) the store in {@code dir}: takes the directory's lock, clears temporary files a crash left,
     * loads {@code registry.json} and the usage snapshot, and replays the journals after it.
     */
    public static FileRegistryStore open(Path dir, Duration dedupWindow, long compactEvery) {
        if (compactEvery < 1) {
            throw new IllegalArgumentException("compactEvery must be at least 1, got " + compactEvery);
        }
        DirectoryLock lock = null;
        try {
            Files.createDirectories(dir);
            lock = DirectoryLock.acquire(dir);
            deleteTemporaryFiles(dir);
            View view = View.of(readRegistry(dir.resolve(REGISTRY_FILE)));
            long now = Instant.now().getEpochSecond();

            Path usageFile = dir.resolve(USAGE_FILE);
            UsageSnapshot snapshot = Files.exists(usageFile)
                    ? StoreJson.MAPPER.readValue(Files.readAllBytes(usageFile), UsageSnapshot.class)
                    : new UsageSnapshot(UsageSnapshot.VERSION, 0, Map.of(), Map.of());
            UsageLedger ledger = UsageLedger.restore(snapshot, dedupWindow.toSeconds());
            long generation = snapshot.nextJournal();
            long entries = 0;
            for (long g : UsageJournal.generations(dir)) {
                Path file = UsageJournal.file(dir, g);
                if (g < snapshot.nextJournal()) {
                    Files.delete(file); // folded into usage.json by a compaction that stopped before deleting it
                    continue;
                }
                List<JournalEntry> replayed = UsageJournal.replay(file);
                replayed.forEach(ledger::apply);
                generation = g;
                entries = replayed.size();
            }
            UsageJournal journal = UsageJournal.open(dir, generation, entries);
            AtomicFile.syncDirectory(dir);
            // A crash between a tenant's deletion and its journal entry leaves usage without a tenant: end it now, in
            // the journal too, so a tenant later created with the same id starts from zero.
            for (String stale : ledger.tenantsOutside(view.tenants().keySet())) {
                journal.append(JournalEntry.forget(stale, now));
                ledger.forget(stale);
            }
            log.info("file registry at {}: {} tenants, usage journal generation {} ({} entries)", dir, view.tenants().size(),
                    generation, journal.entries());
            return new FileRegistryStore(dir, lock, view, ledger, journal, compactEvery);
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                try {
                    lock.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
            }
            if (e instanceof IllegalStateException clear) {
                throw clear;
            }
            throw new IllegalStateException("cannot open the file registry at " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void createTenant(Tenant tenant) {
        if (view.tenants().containsKey(tenant.id())) {
            throw new DuplicateEntryException(EntryKind.TENANT, tenant.id());
        }
        SortedMap<String, TenantRecord> tenants = new TreeMap<>(view.tenants());
        tenants.put(tenant.id(), new TenantRecord(tenant, List.of(), List.of()));
        commit(tenants);
    }

    @Override
    public List<TenantRecord> tenants() {
        return List.copyOf(view.tenants().values());
    }

    @Override
    public List<String> tenantIds() {
        return List.copyOf(view.tenants().keySet());
    }

    @Override
    public Optional<TenantRecord> tenant(String id) {
        return Optional.ofNullable(view.tenants().get(id));
    }

    @Override
    public void deleteTenant(String id) {
        synchronized (this) {
            existing(id);
            SortedMap<String, TenantRecord> tenants = new TreeMap<>(view.tenants());
            tenants.remove(id);
            commit(tenants);
        }
        synchronized (usageLock) {
            ledger.forget(id);
            try {
                journal.append(JournalEntry.forget(id, Instant.now().getEpochSecond()));
            } catch (IOException e) {
                // The tenant is gone for good; its stale usage is dropped at the next start (see open).
                log.warn("could not journal the end of deleted tenant {}'s usage: {}", id, e.toString());
            }
        }
    }

    @Override
    public synchronized Tenant setQuota(String tenant, Quota quota) {
        TenantRecord updated = update(tenant, r -> new TenantRecord(r.tenant().withQuota(quota), r.models(), r.keys()));
        return updated.tenant();
    }

    @Override
    public synchronized void addKey(ApiKey key) {
        update(key.tenant(), r -> new TenantRecord(r.tenant(), r.models(), append(r.keys(), key)));
    }

    @Override
    public synchronized ApiKey revokeKey(String tenant, String keyId, long now) {
        TenantRecord record = existing(tenant);
        ApiKey key = record.keys().stream().filter(k -> k.id().equals(keyId)).findFirst()
                .orElseThrow(() -> NoSuchEntryException.of(EntryKind.KEY, tenant, keyId, record.keys().stream().map(ApiKey::id).toList()));
        if (key.revoked()) {
            return key;
        }
        ApiKey revoked = key.revokedAt(now);
        update(tenant, r -> new TenantRecord(r.tenant(), r.models(),
                r.keys().stream().map(k -> k.id().equals(keyId) ? revoked : k).toList()));
        return revoked;
    }

    @Override
    public synchronized ModelBinding putModel(String tenant, ModelBinding binding) {
        ModelBinding stored = existing(tenant).models().stream().filter(m -> m.name().equals(binding.name())).findFirst()
                .map(old -> binding.createdAt(old.createdAt()))
                .orElse(binding);
        update(tenant, r -> new TenantRecord(r.tenant(), append(r.models().stream().filter(m -> !m.name().equals(binding.name())).toList(), stored), r.keys()));
        return stored;
    }

    @Override
    public synchronized void deleteModel(String tenant, String name) {
        TenantRecord record = existing(tenant);
        if (record.models().stream().noneMatch(m -> m.name().equals(name))) {
            throw NoSuchEntryException.of(EntryKind.MODEL, tenant, name, record.models().stream().map(ModelBinding::name).toList());
        }
        update(tenant, r -> new TenantRecord(r.tenant(), r.models().stream().filter(m -> !m.name().equals(name)).toList(), r.keys()));
    }

    @Override
    public Optional<Authentication> authenticate(String keySha256) {
        View current = view;
        ApiKey key = current.liveKeys().get(keySha256);
        if (key == null) {
            return Optional.empty();
        }
        TenantRecord record = current.tenants().get(key.tenant());
        return Optional.of(new Authentication(record.tenant(), key.id(), record.models()));
    }

    @Override
    public boolean recordUsage(UsageReport report, long now) {
        synchronized (usageLock) {
            existing(report.tenant());
            if (ledger.counted(report.requestId(), now)) {
                return false;
            }
            try {
                journal.append(JournalEntry.usage(report, now));
            } catch (IOException e) {
                throw new StorageUnavailableException("cannot journal usage in " + dir + ": " + e.getMessage(), e);
            }
            ledger.add(report, now);
            if (journal.entries() >= compactEvery) {
                compact(now);
            }
            return true;
        }
    }

    @Override
    public TenantUsage usage(String tenant) {
        synchronized (usageLock) {
            existing(tenant);
            return ledger.of(tenant);
        }
    }

    @Override
    public SortedSet<String> references() {
        SortedSet<String> digests = new TreeSet<>();
        view.tenants().values().forEach(t -> t.models().stream().map(ModelBinding::delta).filter(Objects::nonNull).forEach(digests::add));
        return digests;
    }

    @Override
    public void close() {
        synchronized (usageLock) {
            try {
                journal.close();
                lock.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close the file registry at " + dir, e);
            }
        }
    }

    /**
     * Folds the journal into {@code usage.json}: appends move to the next generation first, so the snapshot (which
     * says which generation comes next) covers exactly the finished journals; a crash between any two steps replays
     * correctly. A failure leaves the journals, which stay the truth, and is retried at the next threshold.
     */
    private void compact(long now) {
        try {
            long finished = journal.roll();
            AtomicFile.write(dir.resolve(USAGE_FILE), StoreJson.MAPPER.writeValueAsBytes(ledger.snapshot(finished + 1, now)));
            Files.delete(UsageJournal.file(dir, finished));
            AtomicFile.syncDirectory(dir);
        } catch (IOException | RuntimeException e) {
            log.warn("usage compaction in {} failed, the journals keep every entry: {}", dir, e.toString());
        }
    }

    private TenantRecord existing(String tenant) {
        TenantRecord record = view.tenants().get(tenant);
        if (record == null) {
            throw NoSuchEntryException.tenant(tenant, view.tenants().keySet());
        }
        return record;
    }

    private TenantRecord update(String tenant, UnaryOperator<TenantRecord> change) {
        TenantRecord updated = change.apply(existing(tenant));
        SortedMap<String, TenantRecord> tenants = new TreeMap<>(view.tenants());
        tenants.put(tenant, updated);
        commit(tenants);
        return updated;
    }

    /** Writes the new registry durably, then lets readers see it: nothing is visible before it is on disk. */
    private void commit(SortedMap<String, TenantRecord> tenants) {
        try {
            RegistrySnapshot snapshot = new RegistrySnapshot(RegistrySnapshot.VERSION, List.copyOf(tenants.values()));
            AtomicFile.write(dir.resolve(REGISTRY_FILE), StoreJson.MAPPER.writeValueAsBytes(snapshot));
        } catch (IOException e) {
            throw new StorageUnavailableException("cannot write " + dir.resolve(REGISTRY_FILE) + ": " + e.getMessage(), e);
        }
        view = View.of(tenants);
    }

    private static SortedMap<String, TenantRecord> readRegistry(Path file) throws IOException {
        SortedMap<String, TenantRecord> tenants = new TreeMap<>();
        if (Files.exists(file)) {
            RegistrySnapshot snapshot = StoreJson.MAPPER.readValue(Files.readAllBytes(file), RegistrySnapshot.class);
            if (snapshot.version() != RegistrySnapshot.VERSION) {
                throw new IOException(file + " has format version " + snapshot.version() + ", this registry reads "
                        + RegistrySnapshot.VERSION);
            }
            snapshot.tenants().forEach(t -> tenants.put(t.tenant().id(), t));
        }
        return tenants;
    }

    private static void deleteTemporaryFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(AtomicFile.TEMP_SUFFIX)).toList()) {
                Files.delete(file); // a write a crash interrupted before its rename: never acknowledged
            }
        }
    }

    private static <T> List<T> append(List<T> list, T item) {
        List<T> copy = new ArrayList<>(list);
        copy.add(item);
        return copy;
    }
}
