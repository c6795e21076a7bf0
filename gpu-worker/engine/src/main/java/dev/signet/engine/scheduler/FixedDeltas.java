package dev.signet.engine.scheduler;

import dev.signet.engine.model.ResidentDelta;
import java.util.Map;

/**
 * Deltas made resident up front and kept for the scheduler's life, by id: what a benchmark or a one-process
 * tool needs, where no cache tiers are involved. Unknown ids are unavailable.
 */
public final class FixedDeltas implements DeltaProvider {
    private final Map<String, ResidentDelta> resident;

    public FixedDeltas(Map<String, ResidentDelta> resident) {
        this.resident = Map.copyOf(resident);
    }

    @Override
    public ResidentDelta acquire(String delta) {
        ResidentDelta d = resident.get(delta);
        if (d == null) {
            throw new DeltaUnavailableException(delta, "not one of the " + resident.size() + " resident deltas");
        }
        return d;
    }

    @Override
    public void release(String delta) {
        // Resident for the scheduler's life: nothing to unpin.
    }
}
