package dev.signet.engine.medusa.training;

import dev.signet.engine.backend.cpu.CpuThreadPool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains Medusa heads on the CPU by Medusa-1's recipe: the model is frozen (its hidden states computed once, see
 * {@link HiddenStates}), only the heads learn, through the model's own lm_head. Each step draws {@code batch}
 * samples (a fresh shuffle each epoch), computes the loss and its gradient over all their positions
 * ({@link MedusaLoss}) and takes an {@link AdamW} step.
 */
public final class MedusaTrainer implements AutoCloseable {
    private final SharedLmHead lmHead;
    private final CpuThreadPool pool;
    private final MedusaLoss loss;

    /** Per-head loss (mean cross-entropy, nats) of the batch of step {@code step}, before its update. */
    public record LossPoint(int step, double[] loss) {}

    /** The trained heads and the loss along the way. */
    public record TrainingRun(HeadParameters heads, List<LossPoint> history, double seconds) {}

    public MedusaTrainer(SharedLmHead lmHead, int threads) {
        this.lmHead = lmHead;
        this.pool = new CpuThreadPool(threads);
        this.loss = new MedusaLoss(lmHead, pool);
    }

    public TrainingRun train(HiddenStates data, TrainingOptions o, TrainingProgress progress) {
        if (data.dim() != lmHead.dim()) {
            throw new IllegalArgumentException("hidden states of width " + data.dim() + " but an lm_head of width " + lmHead.dim());
        }
        long start = System.nanoTime();
        HeadParameters p = HeadParameters.initial(o.heads(), o.layers(), data.dim(), o.seed());
        AdamW adam = new AdamW(p, o.learningRate(), o.warmup(), o.steps(), o.weightDecay());
        HeadGradients g = HeadGradients.zeros(p.blocks(), p.dim());
        Batches batches = new Batches(data.count(), Math.min(o.batch(), data.count()), new SplittableRandom(o.seed() + 1));
        int every = Math.max(1, o.steps() / 8);
        List<LossPoint> history = new ArrayList<>();
        for (int step = 0; step < o.steps(); step++) {
            double[] l = loss.lossAndGradient(p, data, batches.next(), g);
            adam.step(p, g);
            if (step % every == 0 || step == o.steps() - 1) {
                history.add(new LossPoint(step, l));
            }
            progress.show(String.format("training, loss %.3f", l[0]), step + 1, o.steps());
        }
        return new TrainingRun(p, history, (System.nanoTime() - start) / 1e9);
    }

    /** Top-1 / top-5 accuracy of the model's own lm_head (first) and of each head on every position of {@code data}. */
    public List<HeadAccuracy> accuracy(HeadParameters heads, HiddenStates data) {
        if (heads.dim() != lmHead.dim()) {
            throw new IllegalArgumentException("heads of width " + heads.dim() + " but an lm_head of width " + lmHead.dim());
        }
        return loss.accuracy(heads, data);
    }

    /** Sample indices in batches: a shuffled pass over all samples, then another. */
    private static final class Batches {
        private final int[] order;
        private final int size;
        private final SplittableRandom random;
        private int at;

        Batches(int count, int size, SplittableRandom random) {
            this.order = new int[count];
            this.size = size;
            this.random = random;
            for (int i = 0; i < count; i++) {
                order[i] = i;
            }
            shuffle();
        }

        int[] next() {
            if (at + size > order.length) {
                shuffle();
            }
            int[] batch = Arrays.copyOfRange(order, at, at + size);
            at += size;
            return batch;
        }

        private void shuffle() {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            at = 0;
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
