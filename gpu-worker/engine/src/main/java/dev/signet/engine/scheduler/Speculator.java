package dev.signet.engine.scheduler;

import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.model.StepLogits;
import dev.signet.engine.sampling.Sampler;
import java.util.List;

/**
 * Speculative decoding as the scheduler drives it (Medusa, in {@code dev.signet.engine.medusa}): after a step
 * produced a sequence's newest token, {@link #draft} proposes a tree of likely continuations rooted at it; the
 * next step runs the whole tree as rows of the batch, and {@link #verify} keeps the longest path the model
 * agrees with plus one token of its own. Runs on the step thread.
 */
public interface Speculator {
    /** No speculation: every sequence decodes one token per step. */
    Speculator NONE = new Speculator() {
        @Override
        public boolean speculates(String delta) {
            return false;
        }

        @Override
        public List<Draft> draft(List<DraftRequest> requests) {
            throw new IllegalStateException("no speculator");
        }

        @Override
        public Verdict verify(String delta, Draft draft, StepLogits logits, int chunk, Sampler sampler) {
            throw new IllegalStateException("no speculator");
        }
    };

    /** Whether sequences under this delta (null: the base) have heads to draft with. */
    boolean speculates(String delta);

    /** One sequence's newest token, the final hidden state of the row that produced it, its model, and its tree's size limit. */
    record DraftRequest(int root, float[] hidden, String delta, ResidentDelta resident, int maxNodes) {}

    /** A tree of tokens rooted at the newest token: {@code parents[0] = -1}, every parent an earlier node. */
    record Draft(int[] tokens, int[] parents) {
        public int size() {
            return tokens.length;
        }
    }

    /** What verification kept: the accepted nodes from the root, and the token the model gives after the last of them. */
    record Verdict(int[] path, int next) {}

    /** Drafts for the given sequences, in order. */
    List<Draft> draft(List<DraftRequest> requests);

    /**
     * Checks a tree that a sequence under {@code delta} ran as chunk {@code chunk} of the last step (every node's
     * logits) against the model, drawing any randomness from the sequence's own sampler so that a seed still
     * reproduces its output.
     */
    Verdict verify(String delta, Draft draft, StepLogits logits, int chunk, Sampler sampler);
}
