package dev.signet.engine.medusa.training;

/**
 * How often a predictor's top-1 and top-5 tokens hold the true token, over {@code positions} positions of held-out
 * samples. {@code head} −1 is the model's own lm_head (predicting t+1); head i predicts t+2+i.
 */
public record HeadAccuracy(int head, long top1Hits, long top5Hits, long positions) {
    public static final int LM_HEAD = -1;

    public double top1() {
        return positions == 0 ? 0 : (double) top1Hits / positions;
    }

    public double top5() {
        return positions == 0 ? 0 : (double) top5Hits / positions;
    }

    /** {@code "t+2"} for head 0, {@code "t+1"} for the lm_head. */
    public String predicts() {
        return "t+" + (head + 2);
    }
}
