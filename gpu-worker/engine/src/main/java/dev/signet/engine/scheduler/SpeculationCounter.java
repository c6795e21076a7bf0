package dev.signet.engine.scheduler;

import java.util.Arrays;

/** Accumulates one request's {@link SpeculationStats} on the step thread. */
final class SpeculationCounter {
    private int drafts;
    private int draftTokens;
    private int accepted;
    private int[] atDepth = new int[0];
    private int[] perStep = new int[8];

    /** A tree step with {@code drafted} nodes past the root, of which a path of {@code acceptedDepth} was kept. */
    void record(int drafted, int acceptedDepth) {
        if (drafts == perStep.length) {
            perStep = Arrays.copyOf(perStep, drafts * 2);
        }
        perStep[drafts++] = acceptedDepth + 1;
        draftTokens += drafted;
        accepted += acceptedDepth;
        if (acceptedDepth > atDepth.length) {
            atDepth = Arrays.copyOf(atDepth, acceptedDepth);
        }
        for (int d = 0; d < acceptedDepth; d++) {
            atDepth[d]++;
        }
    }

    SpeculationStats snapshot() {
        return drafts == 0 ? SpeculationStats.NONE
                : new SpeculationStats(drafts, draftTokens, accepted, atDepth.clone(), Arrays.copyOf(perStep, drafts));
    }
}
