package dev.signet.engine.scheduler;

import java.util.List;

/**
 * What the scheduler looked like after its last step, for metrics and the residency report: sequences
 * running (holding KV blocks) and waiting, the KV pool's use, the deltas of running and waiting requests,
 * and counters since start (speculation's as vLLM's {@code spec_decode} counts them).
 */
public record SchedulerState(
        int running,
        int waiting,
        double kvUsage,
        int freeKvBlocks,
        List<String> runningDeltas,
        List<String> waitingDeltas,
        long steps,
        long preemptions,
        long promptTokens,
        long generatedTokens,
        long drafts,
        long draftTokens,
        long acceptedTokens) {

    public static final SchedulerState EMPTY = new SchedulerState(0, 0, 0, 0, List.of(), List.of(), 0, 0, 0, 0, 0, 0, 0);
}
