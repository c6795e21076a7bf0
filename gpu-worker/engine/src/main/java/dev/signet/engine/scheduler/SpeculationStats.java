package dev.signet.engine.scheduler;

/**
 * What speculation did for one request (vLLM's {@code spec_decode} counters): tree steps run ({@code drafts}),
 * drafted tokens (tree nodes past the root), drafted tokens accepted, accepted tokens by depth
 * ({@code acceptedAtDepth[0]}: the first token past the root), and the tokens each tree step emitted
 * (accepted plus the model's own next token).
 */
public record SpeculationStats(int drafts, int draftTokens, int acceptedTokens, int[] acceptedAtDepth, int[] tokensPerStep) {
    public static final SpeculationStats NONE = new SpeculationStats(0, 0, 0, new int[0], new int[0]);

    /** Mean tokens a tree step emitted; 0 without tree steps. */
    public double meanTokensPerStep() {
        return drafts == 0 ? 0 : (double) (acceptedTokens + drafts) / drafts;
    }
}
