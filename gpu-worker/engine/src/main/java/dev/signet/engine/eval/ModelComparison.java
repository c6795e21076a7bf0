package dev.signet.engine.eval;

import java.util.List;

/**
 * How closely a candidate model (say base + compressed delta) follows a reference (the fine-tune it
 * compresses) on the same eval windows: each one's perplexity and the mean KL(reference ‖ candidate) in
 * nats per predicted token, over the same positions the perplexities score. Field names read as JSON keys.
 */
public record ModelComparison(Perplexity reference, Perplexity candidate, double meanKl, long tokensScored, int windows) {

    public static ModelComparison measure(ModelVariant reference, ModelVariant candidate, EvalWindows windows) {
        if (reference.model().config().vocabSize() != candidate.model().config().vocabSize()) {
            throw new IllegalArgumentException("the models' vocabularies differ (" + reference.model().config().vocabSize()
                    + " vs " + candidate.model().config().vocabSize() + "): their distributions cannot be compared");
        }
        NllSum refNll = new NllSum();
        NllSum candNll = new NllSum();
        double[] klSum = {0};
        WindowRunner.run(List.of(reference, candidate), windows, (index, logits) -> {
            WindowLogits ref = logits.get(0);
            WindowLogits cand = logits.get(1);
            refNll.add(ref);
            candNll.add(cand);
            for (int row = 0; row < windows.length() - 1; row++) {
                klSum[0] += LogSoftmax.kl(ref.values(), ref.offset(row), cand.values(), cand.offset(row), ref.vocab());
            }
        });
        return new ModelComparison(refNll.result(), candNll.result(), klSum[0] / windows.predictedTokens(),
                windows.predictedTokens(), windows.count());
    }
}
