package dev.signet.engine.medusa.training;

import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.model.SequenceChunk;
import dev.signet.engine.model.StepLogits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Token samples with the frozen model's final hidden state (after the final RMSNorm: what lm_head and the heads
 * read) at every position, the features heads are trained and scored on. Computed once, since the model never
 * changes; they take {@code dim × tokens × 4} bytes (88 MB for 345k tokens of stories260K, dim 64; 5.6 GB for
 * the same tokens of a 4096-wide model), which is why {@link #bytes} is checked against a budget before the
 * samples are drawn.
 */
public record HiddenStates(int dim, List<int[]> tokens, List<float[]> states) {  // states.get(s): [tokens(s).length, dim]
    /** Samples a forward step may hold at most (each takes a chunk and up to one partly used KV block). */
    static final int MAX_CHUNKS = 64;

    public HiddenStates {
        if (tokens.size() != states.size()) {
            throw new IllegalArgumentException(tokens.size() + " samples but " + states.size() + " state arrays");
        }
        for (int s = 0; s < tokens.size(); s++) {
            if (states.get(s).length != tokens.get(s).length * dim) {
                throw new IllegalArgumentException("sample " + s + ": " + tokens.get(s).length + " tokens need "
                        + tokens.get(s).length * dim + " floats of states, got " + states.get(s).length);
            }
        }
        tokens = List.copyOf(tokens);
        states = List.copyOf(states);
    }

    public int count() {
        return tokens.size();
    }

    public long totalTokens() {
        return tokens.stream().mapToLong(t -> t.length).sum();
    }

    /** Bytes the states of {@code tokens} positions take. */
    public static long bytes(long tokens, int dim) {
        return tokens * dim * Float.BYTES;
    }

    /**
     * Runs {@code model} (under {@code delta}, null for the base) over every sample from position 0, all rows'
     * states kept: samples are packed into steps of up to the model's row budget, a sample longer than what is left
     * of a step continuing in the next one through its KV cache, which is released as soon as it is done.
     */
    public static HiddenStates compute(LlamaModel model, ResidentDelta delta, List<int[]> samples, TrainingProgress progress) {
        int dim = model.config().hiddenSize();
        int budget = model.options().maxBatchRows();
        long total = samples.stream().mapToLong(s -> s.length).sum();
        List<float[]> states = new ArrayList<>(samples.size());
        for (int[] s : samples) {
            states.add(new float[s.length * dim]);
        }
        KvSequence[] kv = new KvSequence[samples.size()];
        record Piece(int sample, int from, int length) {}
        int next = 0;
        int done = 0;       // tokens of samples.get(next) already run
        long processed = 0;
        try {
            while (next < samples.size()) {
                List<SequenceChunk> chunks = new ArrayList<>();
                List<Piece> pieces = new ArrayList<>();
                int rows = 0;
                int freeBlocks = model.kvCache().freeBlocks();
                while (next < samples.size() && rows < budget && chunks.size() < MAX_CHUNKS) {
                    int[] sample = samples.get(next);
                    if (kv[next] == null) {
                        kv[next] = new KvSequence();
                    }
                    int take = Math.min(sample.length - done, budget - rows);
                    int blocks = model.kvCache().blocksFor(done + take) - kv[next].blockCount();
                    if (blocks > freeBlocks) {
                        if (chunks.isEmpty()) {
                            throw new IllegalStateException("the KV cache of " + model.kvCache().freeBlocks()
                                    + " free blocks cannot hold one sample of " + sample.length + " tokens");
                        }
                        break;
                    }
                    freeBlocks -= blocks;
                    chunks.add(new SequenceChunk(kv[next], Arrays.copyOfRange(sample, done, done + take), true, delta));
                    pieces.add(new Piece(next, done, take));
                    rows += take;
                    done += take;
                    if (done == sample.length) {
                        next++;
                        done = 0;
                    }
                }
                StepLogits out = model.forward(chunks);
                for (int c = 0; c < pieces.size(); c++) {
                    Piece p = pieces.get(c);
                    System.arraycopy(out.hidden(), out.chunkStart()[c] * dim, states.get(p.sample()), p.from() * dim, p.length() * dim);
                    if (p.from() + p.length() == samples.get(p.sample()).length) {
                        model.kvCache().release(kv[p.sample()]);
                        kv[p.sample()] = null;
                    }
                }
                processed += rows;
                progress.show("hidden states", processed, total);
            }
        } finally {
            for (KvSequence s : kv) {
                if (s != null) {
                    model.kvCache().release(s);
                }
            }
        }
        return new HiddenStates(dim, samples, states);
    }
}
