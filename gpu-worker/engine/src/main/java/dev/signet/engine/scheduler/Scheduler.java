package dev.signet.engine.scheduler;

import dev.signet.engine.generate.SequenceOutput;
import dev.signet.engine.kv.KvCachePool;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.model.SequenceChunk;
import dev.signet.engine.model.StepLogits;
import dev.signet.engine.sampling.FinishReason;
import dev.signet.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Iteration-level continuous batching over one model, across tenants. Every {@link #step} first gives each
 * running sequence its rows (one decode row, or the next stretch of a prompt), oldest first, preempting the
 * newest running sequences when the paged KV pool runs out (their blocks are freed; they recompute later);
 * then it admits waiting sequences into the rest of the token budget, from the tenant with the smallest
 * virtual token counter, as long as their first chunk's blocks are free and their delta is resident. New
 * requests and cancellations arrive from any thread and take effect between steps; finished sequences leave
 * at once and free their blocks.
 *
 * <p>{@link #submit}, {@link RequestHandle#cancel}, {@link #state} and {@link #wake} are thread-safe; every other
 * method, and every call this class makes into the model, the delta provider and the sinks, runs on the one
 * step thread ({@link StepLoop}).
 */
public final class Scheduler {
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopTokens;
    private final SchedulerConfig config;
    private final DeltaProvider deltas;
    private final Speculator speculator;
    private final DraftRowsController draftRows;   // null: the configured draft rows, always
    private final KvCachePool pool;
    private final int poolPositions;

    private final Queue<ScheduledSequence> inbox = new ConcurrentLinkedQueue<>();
    private final Queue<ScheduledSequence> cancels = new ConcurrentLinkedQueue<>();
    private final AtomicLong arrivals = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private boolean signalled;
    private volatile boolean closed;
    private volatile SchedulerState state = SchedulerState.EMPTY;

    private final List<ScheduledSequence> running = new ArrayList<>();   // holding KV blocks, in admission order
    private final Map<String, TenantQueue> tenants = new HashMap<>();     // active tenants only
    private long steps;
    private long preemptions;
    private long promptTokens;
    private long generatedTokens;
    private long drafts;
    private long draftTokens;
    private long acceptedTokens;

    /** A sequence's rows in a step: a stretch of its context, or its draft tree when {@code draft} is set. */
    private record Planned(ScheduledSequence seq, int rows, Speculator.Draft draft) {}

    public Scheduler(LlamaModel model, Tokenizer tokenizer, Set<Integer> stopTokens, SchedulerConfig config, DeltaProvider deltas) {
        this(model, tokenizer, stopTokens, config, deltas, Speculator.NONE);
    }

    public Scheduler(LlamaModel model, Tokenizer tokenizer, Set<Integer> stopTokens, SchedulerConfig config, DeltaProvider deltas,
                     Speculator speculator) {
        if (config.maxRunning() > model.options().maxBatchRows()) {
            throw new IllegalArgumentException("max running sequences " + config.maxRunning() + " exceeds the step budget of "
                    + model.options().maxBatchRows() + " rows: every running sequence must decode every step");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.stopTokens = Set.copyOf(stopTokens);
        this.config = config;
        this.deltas = deltas;
        this.speculator = speculator;
        this.draftRows = config.adaptiveDrafts() && speculator != Speculator.NONE ? new DraftRowsController(config.draftRows()) : null;
        this.pool = model.kvCache();
        this.poolPositions = Math.multiplyExact(model.options().kvBlocks(), model.options().blockSize());
        deltas.onReady(this::wake);
    }

    /**
     * Queues a request; it joins the batch at a coming step. Throws IllegalArgumentException, before anything
     * is queued, when the prompt holds a token outside the vocabulary or leaves no room to generate in the
     * model's context or the KV pool. The token limit is clipped to the room left.
     */
    public RequestHandle submit(ServeRequest request) {
        if (closed) {
            throw new IllegalStateException("the scheduler is shut down");
        }
        int[] prompt = request.promptIds();
        int vocab = model.config().vocabSize();
        for (int token : prompt) {
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException("prompt token id " + token + " is outside the vocabulary of " + vocab);
            }
        }
        int room = Math.min(model.config().maxPositionEmbeddings(), poolPositions) - prompt.length;
        if (room <= 0) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens leaves no room to generate: the model's context is "
                    + model.config().maxPositionEmbeddings() + " positions and the KV pool holds " + poolPositions);
        }
        SequenceOutput output = new SequenceOutput(request.params(), prompt, tokenizer, stopTokens,
                Math.min(request.params().maxTokens(), room));
        ScheduledSequence seq = new ScheduledSequence(this, request, output, arrivals.getAndIncrement());
        inbox.add(seq);
        wake();
        return seq;
    }

    /** The scheduler as of its last step. */
    public SchedulerState state() {
        return state;
    }

    /**
     * Runs one iteration: takes in new requests and cancellations, plans the batch, runs the forward pass and
     * hands out the tokens. Returns false when there was nothing to run (the caller may then {@link #awaitWork}).
     */
    public boolean step() {
        takeArrivals();
        deltas.beforeStep();
        List<Planned> plan = plan();
        if (plan.isEmpty()) {
            publishState();
            return false;
        }
        List<SequenceChunk> chunks = new ArrayList<>(plan.size());
        for (Planned p : plan) {
            ScheduledSequence s = p.seq();
            int[] tokens = p.draft() == null ? s.context(s.kv.length(), p.rows()) : p.draft().tokens();
            boolean produces = p.draft() == null && p.rows() == s.uncached();
            chunks.add(p.draft() != null ? new SequenceChunk(s.kv, tokens, true, s.delta, p.draft().parents())
                    : produces && model.samplesOnBackend() ? SequenceChunk.sampled(s.kv, tokens, s.delta, s.output.sampler().nextDraw())
                    : new SequenceChunk(s.kv, tokens, false, s.delta));
        }
        long started = System.nanoTime();
        long generatedBefore = generatedTokens;
        StepLogits logits;
        try {
            logits = model.forward(chunks);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "a step of " + plan.size() + " sequences failed", e);
            for (Planned p : plan) {
                fail(p.seq(), RequestFailure.Kind.FAILED, "the step running this request failed: " + e);
            }
            publishState();
            return true;
        }
        steps++;
        List<Speculator.DraftRequest> wanted = new ArrayList<>();
        List<ScheduledSequence> drafting = new ArrayList<>();
        for (int c = 0; c < plan.size(); c++) {
            Planned p = plan.get(c);
            int hiddenRow = p.draft() == null ? accept(p, logits, c) : acceptTree(p, logits, c);
            ScheduledSequence s = p.seq();
            if (hiddenRow >= 0 && !s.ended && speculator.speculates(s.request.delta())) {
                wanted.add(new Speculator.DraftRequest(s.context(s.contextLength() - 1, 1)[0], logits.hidden(c, hiddenRow),
                        s.request.delta(), s.delta, 0));
                drafting.add(s);
            }
        }
        draft(wanted, drafting);
        if (draftRows != null) {
            draftRows.observe((int) (generatedTokens - generatedBefore), System.nanoTime() - started);
        }
        publishState();
        return true;
    }

    /**
     * Trees for the sequences that just produced a token, sized to the load: the step's spare rows shared among
     * every running sequence that drafts. With less than one spare row each, nobody speculates.
     */
    private void draft(List<Speculator.DraftRequest> wanted, List<ScheduledSequence> drafting) {
        if (wanted.isEmpty()) {
            return;
        }
        long speculating = running.stream().filter(s -> speculator.speculates(s.request.delta())).count();
        int spare = draftRows != null ? draftRows.rows() : config.draftRows();
        int maxNodes = 1 + (int) (spare / Math.max(1, speculating));
        if (maxNodes < 2) {
            return;
        }
        List<Speculator.DraftRequest> sized = wanted.stream()
                .map(w -> new Speculator.DraftRequest(w.root(), w.hidden(), w.delta(), w.resident(), maxNodes)).toList();
        List<Speculator.Draft> trees = speculator.draft(sized);
        for (int i = 0; i < drafting.size(); i++) {
            Speculator.Draft d = trees.get(i);
            drafting.get(i).draft = d.size() > 1 ? d : null;
        }
    }

    /** Parks the step thread until a request, a cancellation or a finished delta load arrives, or the timeout passes. */
    public void awaitWork(long timeout, TimeUnit unit) throws InterruptedException {
        lock.lock();
        try {
            if (!signalled) {
                work.await(timeout, unit);
            }
            signalled = false;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the step thread; any thread. */
    public void wake() {
        lock.lock();
        try {
            signalled = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Refuses new requests and ends every queued and running one with {@code SHUTDOWN}, freeing its blocks and
     * deltas. Call it on the step thread, or once the step loop has stopped.
     */
    public void shutdown() {
        closed = true;
        takeArrivals();
        for (ScheduledSequence s : new ArrayList<>(running)) {
            fail(s, RequestFailure.Kind.SHUTDOWN, "the worker is shutting down");
        }
        for (TenantQueue t : new ArrayList<>(tenants.values())) {
            for (ScheduledSequence s : new ArrayList<>(t.waiting)) {
                fail(s, RequestFailure.Kind.SHUTDOWN, "the worker is shutting down");
            }
        }
        publishState();
    }

    private void takeArrivals() {
        for (ScheduledSequence s; (s = inbox.poll()) != null; ) {
            TenantQueue t = tenants.get(s.tenant());
            if (t == null) {
                t = new TenantQueue(s.tenant());
                // VTC's lift: a tenant returning from idle starts level with the least-served active tenant, so
                // idle time is not banked as credit against the others.
                t.counter = tenants.values().stream().mapToDouble(q -> q.counter).min().orElse(0);
                tenants.put(s.tenant(), t);
            }
            t.waiting.addLast(s);
            if (s.request.delta() != null) {
                prefetch(s);   // a cold delta loads while the request queues
            }
        }
        for (ScheduledSequence s; (s = cancels.poll()) != null; ) {
            fail(s, RequestFailure.Kind.CANCELLED, "cancelled");
        }
    }

    void cancelled(ScheduledSequence s) {
        cancels.add(s);
        wake();
    }

    /** The step's rows: every running sequence first (preempting under KV pressure), then admissions. */
    private List<Planned> plan() {
        int budget = model.options().maxBatchRows();
        int free = pool.freeBlocks();
        List<Planned> plan = new ArrayList<>();
        for (int i = 0; i < running.size(); i++) {
            ScheduledSequence s = running.get(i);
            // Leave one row for each running sequence after this one: maxRunning <= budget, so all fit.
            int fit = budget - (running.size() - 1 - i);
            if (s.draft != null && s.draft.size() > fit) {
                s.draft = null;   // trees were sized to the spare rows; when prompts took them after all, decode one
            }
            int rows = s.draft != null ? s.draft.size() : Math.min(s.uncached(), fit);
            int need = pool.blocksFor(s.kv.length() + rows) - s.kv.blockCount();
            while (need > free && running.getLast() != s) {
                free += preempt(running.getLast());
            }
            if (need > free) {
                preempt(s);   // the newest running sequence and still no room: it waits for blocks
                break;
            }
            plan.add(new Planned(s, rows, s.draft));
            s.draft = null;
            free -= need;
            budget -= rows;
        }
        while (budget > 0 && running.size() < config.maxRunning()) {
            ScheduledSequence s = nextAdmissible();
            if (s == null) {
                break;
            }
            int rows = Math.min(s.uncached(), budget);
            int need = pool.blocksFor(rows);
            if (need > free) {
                break;   // the least-served tenant's request waits for blocks; nobody jumps ahead of it
            }
            TenantQueue t = tenants.get(s.tenant());
            t.waiting.remove(s);
            t.running++;
            running.add(s);
            plan.add(new Planned(s, rows, null));
            free -= need;
            budget -= rows;
        }
        return plan;
    }

    /** The waiting sequence to admit next: from the tenant with the smallest counter, its oldest whose delta is resident. */
    private ScheduledSequence nextAdmissible() {
        List<TenantQueue> order = tenants.values().stream()
                .filter(t -> !t.waiting.isEmpty())
                .sorted(Comparator.<TenantQueue>comparingDouble(t -> t.counter).thenComparingLong(t -> t.waiting.getFirst().arrival))
                .toList();
        // Once a better-served request waits for a device slot, no other delta gets a new user: a slot frees only
        // when its users finish, and a stream of new users would keep every slot busy for ever.
        boolean slotsDraining = false;
        for (TenantQueue t : order) {
            for (ScheduledSequence s : List.copyOf(t.waiting)) {
                if (!s.needsDelta()) {
                    return s;
                }
                if (slotsDraining) {
                    continue;
                }
                if (acquireDelta(s)) {
                    return s;
                }
                slotsDraining = !s.ended && deltas.waitsForSlot(s.request.delta());
            }
        }
        return null;
    }

    private void prefetch(ScheduledSequence s) {
        try {
            deltas.prefetch(s.request.delta());
        } catch (RuntimeException e) {
            fail(s, RequestFailure.Kind.DELTA_UNAVAILABLE, e.getMessage());
        }
    }

    /** Tries to pin the sequence's delta on the device; false while it loads (or when the load failed: the request ends). */
    private boolean acquireDelta(ScheduledSequence s) {
        try {
            ResidentDelta d = deltas.acquire(s.request.delta());
            s.delta = d;
            return d != null;
        } catch (DeltaUnavailableException e) {
            fail(s, RequestFailure.Kind.DELTA_UNAVAILABLE, e.getMessage());
            return false;
        }
    }

    /** Frees a running sequence's blocks and puts it first in its tenant's queue; returns the blocks freed. */
    private int preempt(ScheduledSequence s) {
        int blocks = s.kv.blockCount();
        pool.release(s.kv);
        s.draft = null;   // the recompute's last row drafts again
        running.remove(s);
        TenantQueue t = tenants.get(s.tenant());
        t.running--;
        t.waiting.addFirst(s);
        s.preemptions++;
        preemptions++;
        return blocks;
    }

    /**
     * After the forward pass, for a stretch of context: charges the tenant and, where the chunk reached the end of
     * the context, takes the next token. Returns the logits row whose hidden state drafts the next tree, or -1.
     */
    private int accept(Planned p, StepLogits logits, int chunk) {
        ScheduledSequence s = p.seq();
        TenantQueue t = tenants.get(s.tenant());
        boolean produces = s.uncached() == 0;
        // The row that feeds the newest generated token was charged when that token was generated.
        int prefillRows = p.rows() - (produces && s.output.count() > 0 ? 1 : 0);
        t.counter += config.promptWeight() * prefillRows;
        promptTokens += prefillRows;
        if (!produces) {
            return -1;
        }
        emit(s, t, logits.wasSampled(chunk)
                ? s.output.push(logits.token(chunk))
                : s.output.next(logits.values(), logits.offset(chunk, 0), logits.vocab()));
        return 0;
    }

    /**
     * After the forward pass, for a draft tree: verification keeps the accepted path in the KV cache and emits its
     * tokens and the model's next one, as many as the request still takes. Returns the row of the path's last node,
     * whose hidden state drafts the next tree.
     */
    private int acceptTree(Planned p, StepLogits logits, int chunk) {
        ScheduledSequence s = p.seq();
        TenantQueue t = tenants.get(s.tenant());
        Speculator.Draft draft = p.draft();
        Speculator.Verdict v = speculator.verify(s.request.delta(), draft, logits, chunk, s.output.sampler());
        int[] path = v.path();
        model.keepPath(s.kv, s.kv.length() - draft.size(), path);
        s.speculation.record(draft.size() - 1, path.length - 1);
        drafts++;
        draftTokens += draft.size() - 1;
        acceptedTokens += path.length - 1;
        for (int j = 1; j < path.length && !s.ended; j++) {
            emit(s, t, s.output.push(draft.tokens()[path[j]]));
        }
        if (!s.ended) {
            emit(s, t, s.output.push(v.next()));
        }
        return path[path.length - 1];
    }

    /** One generated token: into the context, charged to the tenant, to the sink; the request ends if it finished. */
    private void emit(ScheduledSequence s, TenantQueue t, SequenceOutput.Emitted e) {
        s.append(e.token());
        t.counter += config.outputWeight();
        generatedTokens++;
        deliver(s, sink -> sink.onToken(e.token(), e.text()));
        if (e.finish() != null) {
            finish(s, e.finish());
        }
    }

    private void finish(ScheduledSequence s, FinishReason reason) {
        if (retire(s)) {
            Completion c = new Completion(reason, s.request.promptIds().length, s.output.count(), s.preemptions, s.speculation.snapshot());
            deliver(s, sink -> sink.onFinish(c));
        }
    }

    private void fail(ScheduledSequence s, RequestFailure.Kind kind, String message) {
        if (retire(s)) {
            RequestFailure f = new RequestFailure(kind, message);
            deliver(s, sink -> sink.onError(f));
        }
    }

    /** Takes the sequence out of the scheduler and frees what it holds; false if it had already ended. */
    private boolean retire(ScheduledSequence s) {
        if (s.ended) {
            return false;
        }
        s.ended = true;
        pool.release(s.kv);
        TenantQueue t = tenants.get(s.tenant());
        if (t != null) {
            if (running.remove(s)) {
                t.running--;
            } else {
                t.waiting.remove(s);
            }
            if (!t.active()) {
                tenants.remove(s.tenant());
            }
        }
        if (s.delta != null) {
            s.delta = null;
            deltas.release(s.request.delta());
        }
        return true;
    }

    /** Sinks must not throw; one that does is treated as a client that went away. */
    private void deliver(ScheduledSequence s, Consumer<RequestSink> event) {
        try {
            event.accept(s.request.sink());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the sink of request " + s.id() + " threw; cancelling it", e);
            s.cancel();
        }
    }

    private void publishState() {
        int waiting = tenants.values().stream().mapToInt(t -> t.waiting.size()).sum();
        List<String> runningDeltas = running.stream().map(s -> s.request.delta()).filter(Objects::nonNull).distinct().sorted().toList();
        List<String> waitingDeltas = tenants.values().stream().flatMap(t -> t.waiting.stream()).map(s -> s.request.delta())
                .filter(Objects::nonNull).distinct().sorted().toList();
        state = new SchedulerState(running.size(), waiting, pool.usage(), pool.freeBlocks(), runningDeltas, waitingDeltas,
                steps, preemptions, promptTokens, generatedTokens, drafts, draftTokens, acceptedTokens);
    }
}
