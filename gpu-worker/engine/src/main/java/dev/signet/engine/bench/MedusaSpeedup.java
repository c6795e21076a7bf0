package dev.signet.engine.bench;

import java.util.Comparator;
import java.util.List;

/**
 * Medusa's predicted wall-clock speedup with trees of {@code draftRows} draft rows over plain decoding at the same
 * batch: a tree step emits {@code tokensPerStep} tokens per sequence (measured on real heads) where a plain step
 * emits one, and takes {@code treeStepMillis} against {@code plainStepMillis}, so speedup = tokens per step × plain
 * step time / tree step time.
 */
public record MedusaSpeedup(int draftRows, double tokensPerStep, double plainStepMillis, double treeStepMillis) {
    public MedusaSpeedup {
        if (tokensPerStep < 1 || !(plainStepMillis > 0) || !(treeStepMillis > 0)) {
            throw new IllegalArgumentException("need >= 1 token per step and positive step times, got " + tokensPerStep + ", "
                    + plainStepMillis + " ms, " + treeStepMillis + " ms");
        }
    }

    public double speedup() {
        return tokensPerStep * plainStepMillis / treeStepMillis;
    }

    /** The tree size with the largest speedup (the smaller tree on a tie). */
    public static MedusaSpeedup best(List<MedusaSpeedup> candidates) {
        return candidates.stream().max(Comparator.comparingDouble(MedusaSpeedup::speedup)
                .thenComparing(Comparator.comparingInt(MedusaSpeedup::draftRows).reversed()))
                .orElseThrow(() -> new IllegalArgumentException("no tree sizes to choose from"));
    }
}
