package dev.signet.engine.scheduler;

/**
 * Sizes speculation to the hardware by measurement: the spare rows a step may give to draft trees are chosen
 * among 0, 1, 2, 4, ... up to the configured most, as the arm of a bandit whose reward is generated tokens per
 * second of step time. Each arm is held for a window of steps; then the best arm so far is taken, and every few
 * windows a neighbour of it is tried again, since the best size moves with the batch. Each try that confirms the
 * best doubles the windows until the next one (up to {@link #MAX_EXPLORE_EVERY}); a change of the best arm
 * goes back to {@link #EXPLORE_EVERY}. Where trees cost more than they gain (a compute-bound CPU, a full
 * batch), it settles on 0 and tries a neighbour ever more rarely: speculation never lowers throughput for long.
 * Step thread only.
 */
final class DraftRowsController {
    static final int WINDOW = 8;          // steps per measurement
    static final int EXPLORE_EVERY = 4;   // windows between tries of a neighbouring arm, at first
    static final int MAX_EXPLORE_EVERY = 64;
    private static final double EWMA = 0.3;

    private final int[] arms;             // draft rows per arm, ascending
    private final double[] rate;          // tokens per second seen on each arm; NaN: not tried yet
    private int arm;
    private int steps;
    private long tokens;
    private long nanos;
    private int exploreEvery = EXPLORE_EVERY;
    private int sinceExplore;
    private int lastBest = -1;
    private int previousArm = -1;   // the arm of the last window
    private boolean exploreUp;

    DraftRowsController(int maxRows) {
        int n = 1;
        for (int r = 1; r < maxRows; r *= 2) {
            n++;
        }
        arms = new int[maxRows == 0 ? 1 : n + 1];
        for (int i = 1, r = 1; i < arms.length; i++, r *= 2) {
            arms[i] = Math.min(r, maxRows);
        }
        rate = new double[arms.length];
        java.util.Arrays.fill(rate, Double.NaN);
        arm = arms.length - 1;   // start with the most speculation; measurement brings it down if it does not pay
    }

    /** The spare rows trees may take at the coming step. */
    int rows() {
        return arms[arm];
    }

    /** A step generated {@code generated} tokens in {@code stepNanos}. */
    void observe(int generated, long stepNanos) {
        tokens += generated;
        nanos += stepNanos;
        if (++steps < WINDOW) {
            return;
        }
        double r = tokens * 1e9 / Math.max(1, nanos);
        // An arm held window after window is smoothed; one coming back after a while is measured afresh, since its
        // old rate may come from another load.
        rate[arm] = Double.isNaN(rate[arm]) || arm != previousArm ? r : EWMA * r + (1 - EWMA) * rate[arm];
        previousArm = arm;
        steps = 0;
        tokens = 0;
        nanos = 0;
        arm = next();
    }

    private int next() {
        for (int i = arms.length - 1; i >= 0; i--) {
            if (Double.isNaN(rate[i])) {
                return i;   // every arm is measured once, largest first
            }
        }
        int best = 0;
        for (int i = 1; i < arms.length; i++) {
            if (rate[i] > rate[best]) {
                best = i;
            }
        }
        if (best != lastBest) {
            exploreEvery = EXPLORE_EVERY;   // the load changed: watch the neighbours closely again
            lastBest = best;
        }
        if (++sinceExplore >= exploreEvery && arms.length > 1) {
            sinceExplore = 0;
            exploreEvery = Math.min(MAX_EXPLORE_EVERY, exploreEvery * 2);
            exploreUp = !exploreUp;   // alternate sides, whatever the spacing of the tries
            return best == 0 ? 1 : best == arms.length - 1 ? best - 1 : exploreUp ? best + 1 : best - 1;
        }
        return best;
    }
}
