package dev.signet.worker.state;

import dev.signet.engine.scheduler.SchedulerState;
import dev.signet.residency.WorkerInfo;
import dev.signet.residency.WorkerLoad;
import dev.signet.residency.WorkerReport;
import dev.signet.worker.engine.LoadedEngine;
import dev.signet.worker.engine.WorkerEngine;
import dev.signet.worker.engine.WorkerMedusa;
import dev.signet.worker.residency.WorkerResidency;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/state}: the worker as the gateway and operators see it: what it is, whether it serves, its load,
 * its scheduler after the last step, the deltas it holds with their tiers (the report it publishes to residency), and
 * which models have Medusa heads with what speculation has done.
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
     * {@code loadError} when loading failed; {@code medusa} once loaded.
     */
    public record WorkerState(String status, WorkerInfo worker, String model, String baseDigest, String loadError,
                              WorkerLoad load, SchedulerState scheduler, Map<String, String> deltas, MedusaState medusa) {}

    /**
     * Medusa speculation: whether it is on, its settings, the base's heads (null: none) and the heads of deltas that
     * have their own (by digest), and the scheduler's counters since start: tree steps, drafted and accepted tokens,
     * accepted / drafted ({@code acceptanceRate}) and tokens per tree step ({@code meanAcceptanceLength}, vLLM's terms).
     */
    public record MedusaState(boolean enabled, int draftRows, String verification, boolean tenantsUseBaseHeads,
                              WorkerMedusa.Heads base, Map<String, WorkerMedusa.Heads> deltas,
                              long drafts, long draftTokens, long acceptedTokens, double acceptanceRate, double meanAcceptanceLength) {

        static MedusaState of(WorkerMedusa m, SchedulerState s) {
            return new MedusaState(m.active(), m.draftRows(), m.config().verification(), m.config().tenantsUseBaseHeads(),
                    m.base().orElse(null), m.deltas(), s.drafts(), s.draftTokens(), s.acceptedTokens(),
                    s.draftTokens() == 0 ? 0 : (double) s.acceptedTokens() / s.draftTokens(),
                    s.drafts() == 0 ? 0 : 1 + (double) s.acceptedTokens() / s.drafts());
        }
    }

    @GetMapping("/v1/state")
    public WorkerState state() {
        Optional<LoadedEngine> loaded = engine.loaded();
        WorkerReport report = residency.report();
        Map<String, String> deltas = new TreeMap<>();
        report.deltas().forEach((digest, tier) -> deltas.put(digest, tier.label()));
        SchedulerState scheduler = engine.schedulerState();
        return new WorkerState(engine.status(), report.info(), loaded.map(e -> e.checkpoint().dir().toString()).orElse(null),
                loaded.map(LoadedEngine::baseDigest).orElse(null), engine.loadFailure().orElse(null),
                report.load(), scheduler, deltas, loaded.map(e -> MedusaState.of(e.medusa(), scheduler)).orElse(null));
    }
}
