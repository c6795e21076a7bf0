package dev.signet.engine.scheduler;

import dev.signet.engine.generate.SequenceOutput;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.model.ResidentDelta;
import java.util.Arrays;

/**
 * A request's life inside the scheduler. Its context is the prompt followed by every generated token; the KV
 * cache holds the first {@code kv.length()} positions of it. Each step feeds the next uncached stretch; when a
 * step reaches the end of the context, the last row's logits give the next token. Preemption empties the
 * cache, and the same rule then recomputes prompt and generated tokens in one prefill: no special case.
 * Owned by the step thread, except {@link #cancelled}.
 */
final class ScheduledSequence implements RequestHandle {
    final ServeRequest request;
    final SequenceOutput output;
    final KvSequence kv = new KvSequence();
    final long arrival;           // submission order, the tie-break for fairness
    private final Scheduler owner;
    private int[] context;        // [prompt + generated], capacity grows
    private int contextLength;
    ResidentDelta delta;          // acquired (pinned) once, held until the request ends; null: base or not yet
    int preemptions;
    Speculator.Draft draft;       // the tree to run at the next step, rooted at the uncached newest token; null: decode one
    final SpeculationCounter speculation = new SpeculationCounter();
    boolean ended;
    volatile boolean cancelled;

    ScheduledSequence(Scheduler owner, ServeRequest request, SequenceOutput output, long arrival) {
        this.owner = owner;
        this.request = request;
        this.output = output;
        this.arrival = arrival;
        this.context = Arrays.copyOf(request.promptIds(), request.promptIds().length + 16);
        this.contextLength = request.promptIds().length;
    }

    @Override
    public String id() {
        return request.id();
    }

    @Override
    public void cancel() {
        if (!cancelled) {
            cancelled = true;
            owner.cancelled(this);
        }
    }

    String tenant() {
        return request.tenant();
    }

    int contextLength() {
        return contextLength;
    }

    /** Positions not yet in the KV cache; at least 1 while the request runs (the last token's successor is unknown). */
    int uncached() {
        return contextLength - kv.length();
    }

    int[] context(int from, int count) {
        return Arrays.copyOfRange(context, from, from + count);
    }

    void append(int token) {
        if (contextLength == context.length) {
            context = Arrays.copyOf(context, contextLength * 2);
        }
        context[contextLength++] = token;
    }

    boolean needsDelta() {
        return request.delta() != null && delta == null;
    }
}
