package dev.signet.gateway.routing;

import dev.signet.residency.DeltaHolder;
import dev.signet.residency.ResidencyRegistry;
import dev.signet.residency.WorkerReport;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Routing by residency (docs/residency.md): for a delta, the workers that hold it, best tier first (device, host, disk)
 * then least busy; after them every other live worker, least loaded first, those with a free device slot (room to load
 * the delta without evicting) ahead. For the base, the live workers least loaded first. The registry may be Redis, so
 * it is read off the event loop.
 */
public final class ResidencyRouter implements WorkerRouter {
    /** Free device slots first, then the least work to wait behind, ties by id for a stable order. */
    static final Comparator<WorkerReport> LEAST_LOADED = Comparator
            .comparing((WorkerReport w) -> w.load().freeSlots() == 0)
            .thenComparingInt(w -> w.load().queuedAndRunning())
            .thenComparing(WorkerReport::workerId);

    private final ResidencyRegistry registry;

    public ResidencyRouter(ResidencyRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Mono<List<String>> candidates(String delta) {
        return Mono.fromCallable(() -> route(delta)).subscribeOn(Schedulers.boundedElastic());
    }

    private List<String> route(String delta) {
        Set<String> ordered = new LinkedHashSet<>();
        if (delta != null) {
            registry.holders(delta).stream().map(DeltaHolder::address).forEach(ordered::add);
        }
        registry.workers().stream().sorted(LEAST_LOADED).map(w -> w.info().address()).forEach(ordered::add);
        return List.copyOf(ordered);
    }
}
