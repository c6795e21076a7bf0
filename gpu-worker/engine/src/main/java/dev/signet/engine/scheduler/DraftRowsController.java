package dev.signet.engine.scheduler;

/**
 * Sizes speculation to the hardware by measurement: the spare rows a step may give to draft trees are chosen
 * among 0, 1, 2, 4, ... up to the configured most, as the arm of a bandit whose reward is generated tokens per
 * second of step time. Each arm is held for a window of steps; then the best arm so far is taken, and every few
 * windows a neighbour of it is tried again, since the best size moves with the batch. Where trees cost more
 * than they gain (a compute-bound CPU, a full batch), it settles on 0: speculation never lowers throughput for
 * long. Step thread only.
 */
final class DraftRowsController {
    static final int WINDOW = 8;          // steps per measurement
    static final int EXPLORE_EVERY = 4;   // windows between tries of a neighbouring arm
    private static final double EWMA = 0.3;

    private final int[] arms;             // draft rows per arm, ascending
    private final double[] rate;          // tokens per second seen on each arm; NaN: not tried yet
    private int arm;
    private int steps;
    private long tokens;
    private long nanos;
    private int windows;

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
        rate[arm] = Double.isNaN(rate[arm]) ? r : EWMA * r + (1 - EWMA) * rate[arm];
        steps = 0;
        tokens = 0;
        nanos = 0;
        windows++;
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
        if (windows % EXPLORE_EVERY == 0 && arms.length > 1) {
            int neighbour = best == 0 ? 1 : best == arms.length - 1 ? best - 1 : (windows / EXPLORE_EVERY % 2 == 0 ? best - 1 : best + 1);
            return neighbour;
        }
        return best;
    }
}
