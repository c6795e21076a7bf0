package dev.signet.residency;

import java.util.Comparator;
import java.util.Objects;

/**
 * A live worker that holds a given delta: where to send the request, the tier the delta is in there, and the worker's
 * load at its last report. {@link #BEST_FIRST} is the order {@link ResidencyRegistry#holders} returns them in.
 */
public record DeltaHolder(String workerId, String address, Tier tier, WorkerLoad load) {

    /** Best tier first (a delta in device memory serves at once), then the least work to wait behind; ties by id. */
    public static final Comparator<DeltaHolder> BEST_FIRST = Comparator.comparing(DeltaHolder::tier)
            .thenComparingInt(holder -> holder.load().queuedAndRunning())
            .thenComparing(DeltaHolder::workerId);

    public DeltaHolder {
        WorkerInfo.requireId(workerId);
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(load, "load");
    }
}
