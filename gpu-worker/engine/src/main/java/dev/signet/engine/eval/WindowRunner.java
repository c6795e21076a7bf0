package dev.signet.engine.eval;

import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.model.ActivationTap;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.SequenceChunk;
import dev.signet.engine.model.StepLogits;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one or more model variants over the same eval windows and hands each window's all-row logits from
 * every variant to a listener, window by window in order. Each window starts a fresh sequence at position 0
 * (no carried context) and is released right after its step; as many windows as the model's row budget and
 * free KV blocks allow share one forward step.
 */
public final class WindowRunner {
    /** Windows per step that {@link #options} makes room for: 4 × 256 rows keeps a small model's step busy. */
    public static final int WINDOWS_PER_STEP = 4;

    private WindowRunner() {}

    /** Receives window {@code index}'s logits, one per variant in the order given to {@link #run}. */
    @FunctionalInterface
    public interface Listener {
        void window(int index, List<WindowLogits> logits);
    }

    /** Model options with room for {@link #WINDOWS_PER_STEP} windows of {@code windowLength} per step. */
    public static ModelOptions options(int windowLength) {
        return ModelOptions.forSequences(WINDOWS_PER_STEP, windowLength, WINDOWS_PER_STEP * windowLength);
    }

    public static void run(List<ModelVariant> variants, EvalWindows windows, Listener listener) {
        run(variants, windows, null, listener);
    }

    /** {@link #run(List, EvalWindows, Listener)}, showing {@code tap} (when not null) every variant's projection inputs. */
    public static void run(List<ModelVariant> variants, EvalWindows windows, ActivationTap tap, Listener listener) {
        if (variants.isEmpty()) {
            throw new IllegalArgumentException("no model to run");
        }
        int perStep = Integer.MAX_VALUE;
        for (ModelVariant v : variants) {
            perStep = Math.min(perStep, windowsPerStep(v.model(), windows.length()));
        }
        for (int first = 0; first < windows.count(); first += perStep) {
            int n = Math.min(perStep, windows.count() - first);
            // Every variant's step is run and its sequences released before the next: variants may share a model.
            List<StepLogits> steps = new ArrayList<>(variants.size());
            for (ModelVariant v : variants) {
                steps.add(step(v, windows, first, n, tap));
            }
            for (int c = 0; c < n; c++) {
                List<WindowLogits> logits = new ArrayList<>(steps.size());
                for (StepLogits s : steps) {
                    logits.add(new WindowLogits(windows.window(first + c), s, c));
                }
                listener.window(first + c, logits);
            }
        }
    }

    /** Windows that fit one step of {@code model}; fails, saying what to enlarge, when not even one does. */
    private static int windowsPerStep(LlamaModel model, int length) {
        if (length > model.config().maxPositionEmbeddings()) {
            throw new IllegalArgumentException("windows of " + length + " tokens exceed the model's context of "
                    + model.config().maxPositionEmbeddings());
        }
        int byRows = model.options().maxBatchRows() / length;
        int byBlocks = model.kvCache().freeBlocks() / model.kvCache().blocksFor(length);
        if (byRows == 0 || byBlocks == 0) {
            throw new IllegalArgumentException("a window of " + length + " tokens needs " + length + " rows per step and "
                    + model.kvCache().blocksFor(length) + " free KV blocks; the model allows " + model.options().maxBatchRows()
                    + " rows and has " + model.kvCache().freeBlocks() + " blocks free (see WindowRunner.options)");
        }
        return Math.min(byRows, byBlocks);
    }

    private static StepLogits step(ModelVariant v, EvalWindows windows, int first, int n, ActivationTap tap) {
        List<KvSequence> seqs = new ArrayList<>(n);
        List<SequenceChunk> chunks = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            KvSequence seq = new KvSequence();
            seqs.add(seq);
            chunks.add(new SequenceChunk(seq, windows.window(first + c), true, v.delta()));
        }
        try {
            return v.model().forward(chunks, tap);
        } finally {
            seqs.forEach(v.model().kvCache()::release);
        }
    }
}
