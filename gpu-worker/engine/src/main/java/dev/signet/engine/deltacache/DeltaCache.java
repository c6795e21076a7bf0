package dev.signet.engine.deltacache;

import dev.signet.engine.bitdelta.BitDeltaArtifact;
import dev.signet.engine.bitdelta.BitDeltaException;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.scheduler.DeltaProvider;
import dev.signet.engine.scheduler.DeltaUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * The worker's delta cache: deltas, named by their artifact's sha256, move up through three tiers, each an LRU
 * with pinning: a local disk directory of {@code <digest>.safetensors} files (filled from a {@link DeltaSource},
 * every file's sha256 checked), host memory (the artifact opened and fully checked against the base, its pages
 * read in) and device slots (the delta made resident on the model's backend). Loader threads do the slow part
 * (fetch, hash, open); the step thread alone touches the device tier: {@link #acquire} promotes a host-ready delta
 * inline, and {@link #beforeStep} runs device work queued from other threads. A request whose delta is cold gets
 * null from {@link #acquire} and asks again at a later step, so the running batch never waits on a load.
 * docs/delta-cache.md describes the tiers, their costs and the budgets.
 *
 * <p>One lock guards the bookkeeping; it is never held while fetching, hashing, opening an artifact, loading a
 * delta onto the device or calling out (futures, listeners, the wake action).
 */
public final class DeltaCache implements DeltaProvider, AutoCloseable {
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final LlamaModel model;
    private final String baseDigest;
    private final DeltaSource source;
    private final DeltaCacheConfig config;
    private final CacheDirectory disk;
    private final ExecutorService loaders;
    private final Queue<DeviceTask> deviceTasks = new ConcurrentLinkedQueue<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile Runnable wake = () -> {};

    private final Object lock = new Object();
    // Guarded by lock:
    private final Map<String, Entry> entries = new HashMap<>();
    private final List<Entry> failed = new ArrayList<>();
    private long clock;        // LRU time: every use takes the next tick
    private int deviceUsed;    // slots resident or being promoted
    private long hostUsed;     // bytes of open artifacts plus reservations of loads under way
    private long diskUsed;     // bytes of indexed files plus reservations of fetches being installed
    private boolean closed;

    /** One delta's state in every tier. Fields are guarded by the cache's lock. */
    private static final class Entry {
        final String digest;
        long lastUse;
        long bytes;                  // the artifact file's size
        boolean onDisk;
        boolean verified;            // the file's sha256 was checked since this process indexed it
        BitDeltaArtifact artifact;   // host tier
        ResidentDelta resident;      // device tier
        boolean promoting;           // model.load under way on the step thread
        int devicePending;           // queued explicit loads to the device
        int users;                   // running requests that acquired it
        CacheTier pinnedTier;        // pinned in this tier and every slower one; null: not pinned
        CompletableFuture<CacheTier> loading;   // loader work under way, toward loadingTarget
        CacheTier loadingTarget;
        boolean acquireWaiting;      // a request asked while it was loading: report a failure to requests
        DeltaLoadException failure;  // the last load's failure, reported to requests for one step
        int failureSteps;

        Entry(String digest) {
            this.digest = digest;
        }

        /** The best tier it is held in, or null. */
        CacheTier tier() {
            return resident != null ? CacheTier.DEVICE : artifact != null ? CacheTier.HOST : onDisk ? CacheTier.DISK : null;
        }

        /** Held in this tier by a pin. */
        boolean pinnedIn(CacheTier tier) {
            return pinnedTier != null && pinnedTier.covers(tier);
        }

        /** Busy with a load or a promotion: no tier may drop it now. */
        boolean busy() {
            return loading != null || promoting || devicePending > 0;
        }
    }

    private sealed interface DeviceTask {
        Entry entry();

        CompletableFuture<?> future();
    }

    private record Promote(Entry entry, CompletableFuture<CacheTier> future) implements DeviceTask {}

    private record Evict(Entry entry, CompletableFuture<Void> future) implements DeviceTask {}

    /** What a promotion to the device came to. */
    private enum Promotion { DONE, NO_FREE_SLOT, ALL_SLOTS_PINNED, NOT_ON_HOST }

    /**
     * A cache for {@code model}'s deltas, which must have been made for the base {@code baseDigest} (the
     * {@link dev.signet.engine.bitdelta.BaseDigest} of {@code model.weights()}). Indexes the artifacts already in
     * the disk directory (their names are trusted only once their hash is checked, when each is first opened),
     * deletes leftovers of interrupted fetches and trims the directory to its budget.
     */
    public DeltaCache(LlamaModel model, String baseDigest, DeltaSource source, DeltaCacheConfig config) {
        this.model = Objects.requireNonNull(model, "model");
        this.baseDigest = Objects.requireNonNull(baseDigest, "baseDigest");
        this.source = Objects.requireNonNull(source, "source");
        this.config = Objects.requireNonNull(config, "config");
        this.disk = new CacheDirectory(config.diskDir());
        indexDisk();
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "delta-loader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.loaders = Executors.newFixedThreadPool(config.loaderThreads(), threads);
    }

    // ---- DeltaProvider: the step thread ----

    @Override
    public ResidentDelta acquire(String digest) {
        ArtifactDigest.require(digest);
        Entry e;
        synchronized (lock) {
            if (closed) {
                throw new DeltaUnavailableException(digest, "the delta cache is closed");
            }
            e = entries.computeIfAbsent(digest, Entry::new);
            if (e.failure != null) {
                throw new DeltaUnavailableException(digest, e.failure.reason(), e.failure);
            }
            touch(e);
            if (e.resident != null) {
                e.users++;
                return e.resident;
            }
            if (e.artifact == null) {
                e.acquireWaiting = true;
                ensureLocked(e, CacheTier.HOST);
                return null;
            }
        }
        Promotion p;
        try {
            p = promote(e, true);
        } catch (DeltaLoadException failure) {
            throw new DeltaUnavailableException(digest, failure.reason(), failure);
        }
        return switch (p) {
            case DONE -> residentOf(e);
            case NO_FREE_SLOT -> null;   // the wake action runs when a request releases a delta
            case NOT_ON_HOST -> {
                synchronized (lock) {   // host LRU took it since: load it again
                    e.acquireWaiting = true;
                    ensureLocked(e, CacheTier.HOST);
                }
                yield null;
            }
            case ALL_SLOTS_PINNED -> throw new DeltaUnavailableException(digest, "device tier: all "
                    + config.deviceSlots() + " device slots hold pinned deltas; unpin one to serve this delta");
        };
    }

    @Override
    public void release(String digest) {
        ArtifactDigest.require(digest);
        boolean slotFreed;
        synchronized (lock) {
            Entry e = entries.get(digest);
            if (e == null || e.users == 0) {
                throw new IllegalStateException("delta " + digest + " is released but no request acquired it");
            }
            e.users--;
            slotFreed = e.users == 0;
        }
        if (slotFreed) {
            wake.run();
        }
    }

    @Override
    public void beforeStep() {
        synchronized (lock) {
            // A failure is reported to the requests that ask during one whole step after it, then forgotten.
            for (Iterator<Entry> it = failed.iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (++e.failureSteps >= 2) {
                    e.failure = null;
                    it.remove();
                    removeIfUnused(e);
                }
            }
        }
        List<DeviceTask> later = new ArrayList<>();
        for (DeviceTask task; (task = deviceTasks.poll()) != null; ) {
            switch (task) {
                case Promote p -> {
                    if (!runPromote(p)) {
                        later.add(p);
                    }
                }
                case Evict ev -> runEvict(ev);
            }
        }
        deviceTasks.addAll(later);
    }

    @Override
    public void onReady(Runnable wake) {
        this.wake = Objects.requireNonNull(wake, "wake");
    }

    // ---- Any thread ----

    /**
     * Brings a delta into {@code target} (or better) and completes with the tier it is then in. DISK and HOST
     * are reached on the loader threads; DEVICE then waits for the step thread ({@link #beforeStep}; the wake
     * action is called). With {@code pin} the delta stays in that tier and the slower ones until {@link #unpin}.
     * Fails with a {@link DeltaLoadException} naming the tier and the reason.
     */
    public CompletableFuture<CacheTier> load(String digest, CacheTier target, boolean pin) {
        ArtifactDigest.require(digest);
        Objects.requireNonNull(target, "target");
        CompletableFuture<CacheTier> reached;
        CacheTier before;
        CacheTier pinned;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(closedFailure(digest, target));
            }
            Entry e = entries.computeIfAbsent(digest, Entry::new);
            before = e.pinnedTier;
            pinned = pin ? CacheTier.better(before, target) : before;
            e.pinnedTier = pinned;
            touch(e);
            // A copy: the load may be shared with other callers, and one caller cancelling must not end it for all.
            reached = ensureLocked(e, target == CacheTier.DISK ? CacheTier.DISK : CacheTier.HOST).copy();
        }
        if (pinned != before) {
            changed();
        }
        if (target == CacheTier.DEVICE) {
            reached = reached.thenCompose(tier -> toDevice(digest, true));
        }
        if (pinned != before) {
            // A failed load takes back the pin it added, so a delta that never arrived is not held.
            reached = reached.whenComplete((tier, failure) -> {
                if (failure != null) {
                    restorePin(digest, pinned, before);
                }
            });
        }
        return reached;
    }

    /** Lets a pinned delta be evicted again (by LRU or {@link #evict}); does nothing when it is not pinned. */
    public void unpin(String digest) {
        ArtifactDigest.require(digest);
        synchronized (lock) {
            Entry e = entries.get(digest);
            if (e == null || e.pinnedTier == null) {
                return;
            }
            e.pinnedTier = null;
            removeIfUnused(e);
        }
        changed();
        wake.run();   // a pinned device slot may have been all a waiting delta needed
    }

    /**
     * Drops a delta from the device and host tiers (the device part on the step thread, at the next
     * {@link #beforeStep}); its disk copy stays, for the disk budget to trim. Fails with {@link DeltaInUseException}
     * while running requests use it, it is pinned or a load to the device is pending. A delta being loaded is
     * evicted once the load ends.
     */
    public CompletableFuture<Void> evict(String digest) {
        ArtifactDigest.require(digest);
        BitDeltaArtifact hostOnly;
        CompletableFuture<Void> onDevice = null;
        CompletableFuture<CacheTier> loading = null;
        synchronized (lock) {
            Entry e = entries.get(digest);
            if (e == null || closed) {
                return CompletableFuture.completedFuture(null);
            }
            DeltaInUseException inUse = inUse(e);
            if (inUse != null) {
                return CompletableFuture.failedFuture(inUse);
            }
            if (e.loading != null) {
                loading = e.loading;
                hostOnly = null;
            } else if (e.resident != null) {
                onDevice = new CompletableFuture<>();
                deviceTasks.add(new Evict(e, onDevice));
                hostOnly = null;
            } else {
                hostOnly = dropHost(e);
                removeIfUnused(e);
            }
        }
        if (loading != null) {
            return loading.handle((tier, failure) -> null).thenCompose(v -> evict(digest));
        }
        if (onDevice != null) {
            wake.run();
            return onDevice;
        }
        if (hostOnly != null) {
            hostOnly.close();
            changed();
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Every delta held in some tier, best tier first and most recently used first within a tier. */
    public List<CachedDelta> entries() {
        record Row(CachedDelta delta, long lastUse) {}
        List<Row> rows = new ArrayList<>();
        synchronized (lock) {
            for (Entry e : entries.values()) {
                CacheTier tier = e.tier();
                if (tier != null) {
                    rows.add(new Row(new CachedDelta(e.digest, tier, e.bytes, e.users, e.pinnedTier != null), e.lastUse));
                }
            }
        }
        return rows.stream()
                .sorted(Comparator.comparing((Row r) -> r.delta().tier()).thenComparing(Row::lastUse, Comparator.reverseOrder()))
                .map(Row::delta)
                .toList();
    }

    /** Device slots holding no delta (a slot whose delta has no users is not free, but can be taken over). */
    public int freeDeviceSlots() {
        synchronized (lock) {
            return config.deviceSlots() - deviceUsed;
        }
    }

    /**
     * Runs {@code onChange} after every change of a delta's tier or pin, on whichever thread made it. It must
     * not block; it typically republishes {@link #entries()}.
     */
    public void addListener(Runnable onChange) {
        listeners.add(Objects.requireNonNull(onChange, "onChange"));
    }

    /**
     * Closes every resident delta and open artifact and stops the loader threads; loads under way fail. Call it
     * once the step loop has stopped: it frees device memory from the calling thread.
     */
    @Override
    public void close() {
        List<ResidentDelta> residents = new ArrayList<>();
        List<BitDeltaArtifact> artifacts = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            for (Entry e : entries.values()) {
                if (e.resident != null) {
                    residents.add(e.resident);
                    e.resident = null;
                }
                if (e.artifact != null) {
                    artifacts.add(e.artifact);
                    e.artifact = null;
                }
            }
            deviceUsed = 0;
            hostUsed = 0;
        }
        for (Runnable never : loaders.shutdownNow()) {
            ((LoadTask) never).fail(closedFailure(((LoadTask) never).entry.digest, ((LoadTask) never).target));
        }
        for (DeviceTask task; (task = deviceTasks.poll()) != null; ) {
            task.future().completeExceptionally(closedFailure(task.entry().digest, CacheTier.DEVICE));
        }
        residents.forEach(ResidentDelta::close);
        artifacts.forEach(BitDeltaArtifact::close);
        try {
            if (!loaders.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("delta loader threads did not stop within " + CLOSE_WAIT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        changed();
    }

    // ---- Loading: disk and host, on the loader threads ----

    /** Starts, or joins, the loader work that brings {@code e} to {@code target} (DISK or HOST). Holds the lock. */
    private CompletableFuture<CacheTier> ensureLocked(Entry e, CacheTier target) {
        CacheTier tier = e.tier();
        if (tier != null && tier.covers(target)) {
            return CompletableFuture.completedFuture(tier);
        }
        if (e.loading != null) {
            if (e.loadingTarget.covers(target)) {
                return e.loading;
            }
            return e.loading.thenCompose(reached -> ensure(e.digest, target));
        }
        CompletableFuture<CacheTier> done = new CompletableFuture<>();
        e.loading = done;
        e.loadingTarget = target;
        try {
            loaders.execute(new LoadTask(e, target, done));
        } catch (RejectedExecutionException closing) {
            e.loading = null;
            e.loadingTarget = null;
            return CompletableFuture.failedFuture(closedFailure(e.digest, target));
        }
        return done;
    }

    private CompletableFuture<CacheTier> ensure(String digest, CacheTier target) {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(closedFailure(digest, target));
            }
            return ensureLocked(entries.computeIfAbsent(digest, Entry::new), target);
        }
    }

    /** Fetches (or verifies) the file, then for HOST opens the artifact; one per entry at a time. */
    private final class LoadTask implements Runnable {
        final Entry entry;
        final CacheTier target;
        final CompletableFuture<CacheTier> done;

        LoadTask(Entry entry, CacheTier target, CompletableFuture<CacheTier> done) {
            this.entry = entry;
            this.target = target;
            this.done = done;
        }

        @Override
        public void run() {
            DeltaLoadException failure = null;
            try {
                Path file = onDisk(entry);
                if (target == CacheTier.HOST) {
                    openOnHost(entry, file);
                }
            } catch (DeltaLoadException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = new DeltaLoadException(entry.digest, target, "unexpected failure: " + e, e);
            } catch (Error e) {
                // Still end the load, so that its waiters hear of it and a later request can retry.
                finish(new DeltaLoadException(entry.digest, target, "unexpected failure: " + e, e));
                throw e;
            }
            finish(failure);
        }

        void fail(DeltaLoadException failure) {
            finish(failure);
        }

        private void finish(DeltaLoadException failure) {
            CacheTier reached;
            synchronized (lock) {
                entry.loading = null;
                entry.loadingTarget = null;
                if (failure != null) {
                    if (entry.acquireWaiting && !closed) {
                        entry.failure = failure;
                        entry.failureSteps = 0;
                        if (!failed.contains(entry)) {
                            failed.add(entry);
                        }
                    }
                    entry.acquireWaiting = false;
                } else if (entry.artifact != null) {
                    entry.acquireWaiting = false;   // else a load to HOST chained after this one still runs for them
                }
                reached = entry.tier();
                removeIfUnused(entry);
            }
            if (failure != null) {
                done.completeExceptionally(failure);
            } else {
                done.complete(reached);
            }
            wake.run();
        }
    }

    /** The delta's file in the disk tier, its sha256 checked: verified if indexed at startup, fetched if absent. */
    private Path onDisk(Entry e) {
        boolean present;
        boolean verified;
        synchronized (lock) {
            present = e.onDisk;
            verified = e.verified;
        }
        if (present && !verified) {
            verified = disk.verify(e.digest);   // a damaged or foreign file under this name is deleted
            synchronized (lock) {
                e.verified = verified;
                if (!verified) {
                    e.onDisk = false;
                    diskUsed -= e.bytes;
                }
            }
            if (!verified) {
                changed();
            }
        }
        if (!present || !verified) {
            fetch(e);
        }
        return disk.file(e.digest);
    }

    /** Fetches into a partial file, checks its sha256, makes room in the budget, then installs it atomically. */
    private void fetch(Entry e) {
        try (CacheDirectory.Download download = disk.download(e.digest, source)) {
            List<Path> trash = reserveDisk(e, download.size());
            try {
                download.install();
            } catch (DeltaLoadException failed) {
                synchronized (lock) {
                    diskUsed -= download.size();
                }
                throw failed;
            } finally {
                trash.forEach(CacheDirectory::deleteQuietly);
            }
            synchronized (lock) {
                e.onDisk = true;
                e.verified = true;
                e.bytes = download.size();
                touch(e);
            }
        }
        changed();
    }

    /**
     * Counts {@code size} more bytes on disk, first evicting least recently used files that no tier above uses,
     * no pin holds and no load is reading; returns the evicted files, renamed away, for the caller to delete.
     */
    private List<Path> reserveDisk(Entry e, long size) {
        long budget = config.diskBudgetBytes();
        List<Path> trash = new ArrayList<>();
        boolean evicted;
        synchronized (lock) {
            List<Entry> victims = victims(diskUsed + size - budget, v -> v.bytes, candidate -> candidate != e
                    && candidate.onDisk && candidate.artifact == null && !candidate.busy() && !candidate.pinnedIn(CacheTier.DISK));
            if (victims == null) {
                throw new DeltaLoadException(e.digest, CacheTier.DISK, String.format(Locale.ROOT, "the artifact is %,d bytes but the disk"
                        + " budget is %,d bytes, of which %,d are taken by deltas on the host, pinned or being loaded",
                        size, budget, diskUsed));
            }
            for (Entry v : victims) {
                try {
                    trash.add(disk.trash(v.digest));
                } catch (IOException io) {
                    throw new DeltaLoadException(e.digest, CacheTier.DISK, "cannot remove " + disk.file(v.digest)
                            + " to make room: " + io.getMessage(), io);
                }
                v.onDisk = false;
                v.verified = false;
                diskUsed -= v.bytes;
                removeIfUnused(v);
            }
            diskUsed += size;
            evicted = !victims.isEmpty();
        }
        if (evicted) {
            changed();
        }
        return trash;
    }

    /** Opens and checks the artifact within the host budget, evicting least recently used host-only deltas. */
    private void openOnHost(Entry e, Path file) {
        long size;
        List<BitDeltaArtifact> evicted = new ArrayList<>();
        long budget = config.hostBudgetBytes();
        synchronized (lock) {
            size = e.bytes;
            List<Entry> victims = victims(hostUsed + size - budget, v -> v.bytes, candidate -> candidate != e
                    && candidate.artifact != null && candidate.resident == null && !candidate.busy()
                    && !candidate.pinnedIn(CacheTier.HOST));
            if (victims == null) {
                throw new DeltaLoadException(e.digest, CacheTier.HOST, String.format(Locale.ROOT, "the artifact is %,d bytes but the host"
                        + " budget is %,d bytes, of which %,d are taken by deltas on the device, pinned or being loaded",
                        size, budget, hostUsed));
            }
            for (Entry v : victims) {
                evicted.add(dropHost(v));
            }
            hostUsed += size;
        }
        evicted.forEach(BitDeltaArtifact::close);
        if (!evicted.isEmpty()) {
            changed();
        }
        BitDeltaArtifact artifact;
        try {
            // Every check of docs/bitdelta-format.md; the checksums read every tensor byte, which pages the file in.
            artifact = BitDeltaArtifact.open(file, model.weights(), baseDigest);
        } catch (RuntimeException failure) {
            boolean closing;
            synchronized (lock) {
                hostUsed -= size;
                closing = closed;
            }
            if (closing) {
                // close() interrupted the read: the file may be fine, so it stays.
                throw closedFailure(e.digest, CacheTier.HOST);
            }
            if (failure instanceof BitDeltaException checkFailed) {
                // The file is what the source holds (its sha256 matched) but unusable on this base: keep no copy
                // that the residency report would advertise.
                dropFromDisk(e);
                throw new DeltaLoadException(e.digest, CacheTier.HOST, checkFailed.getMessage(), checkFailed);
            }
            throw new DeltaLoadException(e.digest, CacheTier.HOST, "cannot open " + file + ": " + failure.getMessage(), failure);
        }
        synchronized (lock) {
            if (!closed) {
                e.artifact = artifact;
                touch(e);
                artifact = null;
            } else {
                hostUsed -= size;
            }
        }
        if (artifact != null) {
            artifact.close();
            throw closedFailure(e.digest, CacheTier.HOST);
        }
        changed();
    }

    private void dropFromDisk(Entry e) {
        disk.delete(e.digest);
        synchronized (lock) {
            if (e.onDisk) {
                e.onDisk = false;
                e.verified = false;
                diskUsed -= e.bytes;
            }
        }
        changed();
    }

    // ---- The device tier, on the step thread ----

    /**
     * Queues the promotion of a host-ready delta for the step thread. Another load or an eviction may have taken
     * it off the host since its load finished; it is then loaded again, once.
     */
    private CompletableFuture<CacheTier> toDevice(String digest, boolean reloadIfGone) {
        CompletableFuture<CacheTier> done = new CompletableFuture<>();
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(closedFailure(digest, CacheTier.DEVICE));
            }
            Entry e = entries.computeIfAbsent(digest, Entry::new);
            if (e.resident != null) {
                return CompletableFuture.completedFuture(CacheTier.DEVICE);
            }
            if (e.artifact == null && reloadIfGone) {
                return ensureLocked(e, CacheTier.HOST).thenCompose(tier -> toDevice(digest, false));
            }
            e.devicePending++;   // from here on neither host LRU nor evict() takes it off the host
            deviceTasks.add(new Promote(e, done));
        }
        wake.run();
        return done;
    }

    /** Runs a queued promotion; false when it must wait for a slot. */
    private boolean runPromote(Promote p) {
        Entry e = p.entry();
        DeltaLoadException failure = null;
        try {
            Promotion outcome = promote(e, false);
            switch (outcome) {
                case NO_FREE_SLOT -> {
                    return false;
                }
                case DONE -> {}
                case ALL_SLOTS_PINNED -> failure = new DeltaLoadException(e.digest, CacheTier.DEVICE, "all "
                        + config.deviceSlots() + " device slots hold pinned deltas; unpin one first");
                case NOT_ON_HOST -> failure = new DeltaLoadException(e.digest, CacheTier.DEVICE,
                        "it left the host tier before it reached a slot");
            }
        } catch (DeltaLoadException loadFailed) {
            failure = loadFailed;
        }
        synchronized (lock) {
            e.devicePending--;
            removeIfUnused(e);
        }
        if (failure != null) {
            p.future().completeExceptionally(failure);
        } else {
            p.future().complete(CacheTier.DEVICE);
        }
        return true;
    }

    /**
     * Makes a host-ready delta resident, taking a free slot or the least recently used resident delta's that has
     * no users and no device pin. With {@code user}, counts one more user of it.
     */
    private Promotion promote(Entry e, boolean user) {
        ResidentDelta displaced = null;
        BitDeltaArtifact artifact;
        synchronized (lock) {
            if (closed) {
                throw closedFailure(e.digest, CacheTier.DEVICE);
            }
            if (e.resident != null) {
                e.users += user ? 1 : 0;
                return Promotion.DONE;
            }
            if (e.artifact == null) {
                return Promotion.NOT_ON_HOST;
            }
            if (deviceUsed >= config.deviceSlots()) {
                List<Entry> victim = victims(1, v -> 1, v -> v.resident != null && v.users == 0 && !v.pinnedIn(CacheTier.DEVICE));
                if (victim == null) {
                    boolean allPinned = entries.values().stream().filter(v -> v.resident != null)
                            .allMatch(v -> v.pinnedIn(CacheTier.DEVICE));
                    return allPinned ? Promotion.ALL_SLOTS_PINNED : Promotion.NO_FREE_SLOT;
                }
                displaced = takeResident(victim.getFirst());
            }
            artifact = e.artifact;
            e.promoting = true;
            deviceUsed++;
        }
        ResidentDelta resident = null;
        try {
            if (displaced != null) {
                displaced.close();
            }
            resident = model.load(artifact.delta(e.digest));
        } catch (RuntimeException failure) {
            throw new DeltaLoadException(e.digest, CacheTier.DEVICE, "the backend could not load it: " + failure.getMessage(), failure);
        } finally {
            synchronized (lock) {
                e.promoting = false;
                if (resident != null) {
                    e.resident = resident;
                    e.users += user ? 1 : 0;
                    touch(e);
                } else {
                    deviceUsed--;
                }
            }
            changed();
        }
        return Promotion.DONE;
    }

    /** Runs a queued eviction of a device-resident delta: drops it from the device and the host. */
    private void runEvict(Evict ev) {
        Entry e = ev.entry();
        ResidentDelta resident;
        BitDeltaArtifact artifact;
        DeltaInUseException inUse;
        synchronized (lock) {
            inUse = closed ? null : inUse(e);
            if (inUse != null) {
                resident = null;
                artifact = null;
            } else {
                resident = takeResident(e);
                artifact = dropHost(e);
                removeIfUnused(e);
            }
        }
        if (inUse != null) {
            ev.future().completeExceptionally(inUse);
            return;
        }
        if (resident != null) {
            resident.close();
        }
        if (artifact != null) {
            artifact.close();
        }
        ev.future().complete(null);
        changed();
        wake.run();
    }

    // ---- Bookkeeping (callers hold the lock unless noted) ----

    private ResidentDelta residentOf(Entry e) {
        synchronized (lock) {
            return e.resident;
        }
    }

    /** Why {@code e} cannot be evicted now, or null. */
    private static DeltaInUseException inUse(Entry e) {
        if (e.users > 0) {
            return new DeltaInUseException(e.digest, e.users + (e.users == 1 ? " running request uses" : " running requests use") + " it");
        }
        if (e.pinnedTier != null) {
            return new DeltaInUseException(e.digest, "it is pinned in the " + e.pinnedTier.label() + " tier; unpin it first");
        }
        if (e.devicePending > 0 || e.promoting) {
            return new DeltaInUseException(e.digest, "a load to the device is pending");
        }
        return null;
    }

    /** Takes the delta out of its device slot (the step thread closes it outside the lock); null when it had none. */
    private ResidentDelta takeResident(Entry e) {
        ResidentDelta r = e.resident;
        if (r != null) {
            e.resident = null;
            deviceUsed--;
        }
        return r;
    }

    /** Takes the artifact out of the host tier (the caller closes it outside the lock); null when it had none. */
    private BitDeltaArtifact dropHost(Entry e) {
        BitDeltaArtifact a = e.artifact;
        if (a != null) {
            e.artifact = null;
            hostUsed -= e.bytes;
        }
        return a;
    }

    /**
     * The least recently used entries passing {@code evictable} whose sizes (bytes, or slots) add up to
     * {@code excess}; empty when nothing must go, null when even all of them would not be enough.
     */
    private List<Entry> victims(long excess, ToLongFunction<Entry> size, Predicate<Entry> evictable) {
        List<Entry> chosen = new ArrayList<>();
        if (excess <= 0) {
            return chosen;
        }
        List<Entry> candidates = entries.values().stream().filter(evictable).sorted(Comparator.comparingLong(v -> v.lastUse)).toList();
        long freed = 0;
        for (Entry v : candidates) {
            chosen.add(v);
            freed += size.applyAsLong(v);
            if (freed >= excess) {
                return chosen;
            }
        }
        return null;
    }

    private void touch(Entry e) {
        e.lastUse = ++clock;
    }

    private void removeIfUnused(Entry e) {
        if (e.tier() == null && !e.busy() && e.users == 0 && e.pinnedTier == null && e.failure == null) {
            entries.remove(e.digest, e);
        }
    }

    private void restorePin(String digest, CacheTier added, CacheTier before) {
        synchronized (lock) {
            Entry e = entries.get(digest);
            if (e == null || e.pinnedTier != added) {
                return;   // unpinned, or pinned again, since
            }
            e.pinnedTier = before;
            removeIfUnused(e);
        }
        changed();
    }

    private DeltaLoadException closedFailure(String digest, CacheTier tier) {
        return new DeltaLoadException(digest, tier, "the delta cache is closed");
    }

    /** Tells every listener a tier or pin changed; called without the lock. A failing listener does not stop the cache. */
    private void changed() {
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
        }
    }

    /** Indexes the files already on disk, oldest modification first in LRU order, and trims them to the budget. */
    private void indexDisk() {
        for (CacheDirectory.Indexed f : disk.index()) {
            Entry e = new Entry(f.digest());
            e.onDisk = true;
            e.bytes = f.size();
            touch(e);
            entries.put(e.digest, e);
            diskUsed += f.size();
        }
        // A budget lowered since the last run: trim now (all files together always cover the excess).
        for (Entry e : victims(diskUsed - config.diskBudgetBytes(), v -> v.bytes, v -> true)) {
            disk.delete(e.digest);
            entries.remove(e.digest);
            diskUsed -= e.bytes;
        }
    }
}
