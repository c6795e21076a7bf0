package dev.signet.worker.state;

import dev.signet.engine.scheduler.SchedulerState;
import dev.signet.residency.WorkerInfo;
import dev.signet.residency.WorkerLoad;
import dev.signet.residency.WorkerReport;
import dev.signet.worker.engine.LoadedEngine;
import dev.signet.worker.engine.WorkerEngine;
import dev.signet.worker.residency.WorkerResidency;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/state}: the worker as the gateway and operators see it: what it is, whether it serves, its load,
 * its scheduler after the last step, and the deltas it holds with their tiers (the report it publishes to residency).
 */
@RestController
public class StateController {
    private final WorkerEngine engine;
    private final WorkerResidency residency;

    public StateController(WorkerEngine engine, WorkerResidency residency) {
        this.engine = engine;
        this.residency = residency;
    }

    /**
     * {@code status}: loading, ready, failed or stopped ({@link WorkerEngine#status()}); {@code model} and {@code baseDigest} once loaded;
     * {@code loadError} when loading failed.
     */
    public record WorkerState(String status, WorkerInfo worker, String model, String baseDigest, String loadError,
                              WorkerLoad load, SchedulerState scheduler, Map<String, String> deltas) {}

    @GetMapping("/v1/state")
    public WorkerState state() {
        Optional<LoadedEngine> loaded = engine.loaded();
        WorkerReport report = residency.report();
        Map<String, String> deltas = new TreeMap<>();
        report.deltas().forEach((digest, tier) -> deltas.put(digest, tier.label()));
        return new WorkerState(engine.status(), report.info(), loaded.map(e -> e.checkpoint().dir().toString()).orElse(null),
                loaded.map(LoadedEngine::baseDigest).orElse(null), engine.loadFailure().orElse(null),
                report.load(), engine.schedulerState(), deltas);
    }
}
