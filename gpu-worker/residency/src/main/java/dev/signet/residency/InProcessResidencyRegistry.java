package dev.signet.residency;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A {@link ResidencyRegistry} in this JVM's memory, for the all-in-one mode where the gateway and the worker share a
 * process. Reports expire by the given clock exactly as they would in Redis; the registry is thread-safe (each publish
 * replaces one map entry atomically, so a reader never sees half a report).
 */
public final class InProcessResidencyRegistry implements ResidencyRegistry {

    private record Entry(WorkerReport report, Instant expiresAt) {}

    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>(); // by worker id

    public InProcessResidencyRegistry() {
        this(Clock.systemUTC());
    }

    public InProcessResidencyRegistry(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void publish(WorkerReport report, Duration ttl) {
        Objects.requireNonNull(report, "report");
        long millis = Expiry.millis(ttl);
        entries.put(report.workerId(), new Entry(report, clock.instant().plusMillis(millis)));
    }

    @Override
    public void remove(String workerId) {
        entries.remove(WorkerInfo.requireId(workerId));
    }

    @Override
    public List<WorkerReport> workers() {
        return live().map(Entry::report).toList();
    }

    @Override
    public List<DeltaHolder> holders(String delta) {
        DeltaDigest.require(delta);
        return live()
                .map(Entry::report)
                .filter(report -> report.deltas().containsKey(delta))
                .map(report -> new DeltaHolder(report.workerId(), report.info().address(), report.deltas().get(delta),
                        report.load()))
                .sorted(DeltaHolder.BEST_FIRST)
                .toList();
    }

    /** Nothing to release: the entries go with the object. */
    @Override
    public void close() {}

    /** Live entries; expired ones are dropped on the way, as Redis drops expired keys (CHM's removeIf spares an entry replaced meanwhile). */
    private Stream<Entry> live() {
        Instant now = clock.instant();
        entries.values().removeIf(entry -> !now.isBefore(entry.expiresAt()));
        return entries.values().stream().filter(entry -> now.isBefore(entry.expiresAt()));
    }
}
