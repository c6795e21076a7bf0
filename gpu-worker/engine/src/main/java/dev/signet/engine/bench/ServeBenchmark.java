package dev.signet.engine.bench;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.scheduler.Completion;
import dev.signet.engine.scheduler.FixedDeltas;
import dev.signet.engine.scheduler.RequestFailure;
import dev.signet.engine.scheduler.RequestSink;
import dev.signet.engine.scheduler.Scheduler;
import dev.signet.engine.scheduler.SchedulerConfig;
import dev.signet.engine.scheduler.ServeRequest;
import dev.signet.engine.scheduler.StepLoop;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code signet bench serve}: the scheduler under a closed-loop load, as a serving worker sees it. {@code streams}
 * clients each send a request (a random prompt, a fixed number of greedy tokens), wait for its last token and
 * send the next, spread round-robin over {@code tenants} random one-bit deltas; the step loop runs on its own
 * thread exactly as in the worker. Measured over a window after a warm-up: generated tokens/s, time to first
 * token and inter-token latency (p50, p99). The comparison that matters is side by side in the same run: 32
 * streams over 32 tenants against 32 streams of one tenant ({@code multi_tenant_efficiency}, target at least 0.7).
 */
public final class ServeBenchmark {
    public static final int[] STREAMS = {1, 8, 32, 128};
    public static final int[] TENANTS = {1, 8, 32};
    public static final double MIN_MULTI_TENANT_EFFICIENCY = 0.7;
    private static final int MAX_STREAMS = 128;
    private static final int EFFICIENCY_ROUNDS = 5;

    /** One configuration's measurements over the window. */
    public record Result(int streams, int tenants, long requests, long tokens, double seconds, double ttftP50Ms, double ttftP99Ms,
                         double itlP50Ms, double itlP99Ms) {
        double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    private final Backend backend;
    private final int threads;
    private final int promptTokens;
    private final int maxTokens;
    private final double warmupSeconds;
    private final double windowSeconds;

    public ServeBenchmark(Backend backend, int threads, int promptTokens, int maxTokens, double warmupSeconds, double windowSeconds) {
        this.backend = backend;
        this.threads = threads;
        this.promptTokens = promptTokens;
        this.maxTokens = maxTokens;
        this.warmupSeconds = warmupSeconds;
        this.windowSeconds = windowSeconds;
    }

    /** Measures every configuration on the checkpoint in {@code dir}, prints a table, returns the JSON document. */
    public Map<String, Object> run(Path dir, String label, PrintStream out, PrintStream progress) throws InterruptedException {
        int tenantsMax = Arrays.stream(TENANTS).max().orElseThrow();
        int blocksPerSequence = (promptTokens + maxTokens + ModelOptions.DEFAULT_BLOCK_SIZE - 1) / ModelOptions.DEFAULT_BLOCK_SIZE;
        // Every stream's sequence fits at once (no preemption in the measurement) and a step holds all decodes
        // plus the prompts of the requests that just arrived.
        ModelOptions options = new ModelOptions(2 * MAX_STREAMS, MAX_STREAMS * blocksPerSequence, ModelOptions.DEFAULT_BLOCK_SIZE);
        List<Result> results = new ArrayList<>();
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(dir); LlamaModel model = new LlamaModel(ckpt, backend, options);
             Arena arena = Arena.ofShared()) {
            Map<String, ResidentDelta> deltas = new LinkedHashMap<>();
            for (int t = 0; t < tenantsMax; t++) {
                deltas.put("tenant-" + t, model.load(RandomDeltas.of("tenant-" + t, model.weights(), arena, t)));
            }
            FixedDeltas provider = new FixedDeltas(deltas);
            int vocab = model.config().vocabSize();
            // The JIT compiles each batch shape's kernels separately: warm every stream count up before measuring.
            for (int streams : STREAMS) {
                progress.printf("  warming up: %d streams over %d tenants (discarded)...%n", streams, tenantsMax);
                new ClosedLoop(scheduler(model, ckpt, provider), vocab, streams, tenantsMax).measure();
            }
            for (int streams : STREAMS) {
                for (int tenants : TENANTS) {
                    progress.printf("  %d streams over %d tenants...%n", streams, tenants);
                    results.add(new ClosedLoop(scheduler(model, ckpt, provider), vocab, streams, tenants).measure());
                }
            }
            // The target's ratio, measured side by side: alternating rounds of its two configurations, best of each.
            double oneTenant = 0;
            double manyTenants = 0;
            for (int round = 0; round < EFFICIENCY_ROUNDS; round++) {
                progress.printf("  efficiency round %d of %d...%n", round + 1, EFFICIENCY_ROUNDS);
                oneTenant = Math.max(oneTenant, new ClosedLoop(scheduler(model, ckpt, provider), vocab, 32, 1).measure().tokensPerSecond());
                manyTenants = Math.max(manyTenants, new ClosedLoop(scheduler(model, ckpt, provider), vocab, 32, 32).measure().tokensPerSecond());
            }
            deltas.values().forEach(ResidentDelta::close);
            return report(label, results, oneTenant, manyTenants, out);
        }
    }

    private static Scheduler scheduler(LlamaModel model, LlamaCheckpoint ckpt, FixedDeltas deltas) {
        return new Scheduler(model, ckpt.tokenizer(), ckpt.stopTokenIds(), SchedulerConfig.of(MAX_STREAMS), deltas);
    }

    private Map<String, Object> report(String label, List<Result> results, double oneTenant, double manyTenants, PrintStream out) {
        out.printf("%nSignet serving benchmark: %s, closed loop, prompt %d tokens, %d greedy tokens per request, %d threads%n",
                label, promptTokens, maxTokens, threads);
        out.printf("%8s %8s %10s %9s %11s %11s %11s %11s%n", "streams", "tenants", "tok/s", "requests", "TTFT p50", "TTFT p99",
                "ITL p50", "ITL p99");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Result r : results) {
            out.printf("%8d %8d %10.1f %9d %9.1fms %9.1fms %9.2fms %9.2fms%n", r.streams(), r.tenants(), r.tokensPerSecond(), r.requests(),
                    r.ttftP50Ms(), r.ttftP99Ms(), r.itlP50Ms(), r.itlP99Ms());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("streams", r.streams());
            m.put("tenants", r.tenants());
            m.put("tokens_per_second", r.tokensPerSecond());
            m.put("requests_completed", r.requests());
            m.put("ttft_p50_ms", r.ttftP50Ms());
            m.put("ttft_p99_ms", r.ttftP99Ms());
            m.put("inter_token_p50_ms", r.itlP50Ms());
            m.put("inter_token_p99_ms", r.itlP99Ms());
            rows.add(m);
        }
        double efficiency = manyTenants / oneTenant;
        out.printf("%nmulti-tenant efficiency, best of %d alternating rounds: 32 streams over 32 tenants %.1f tok/s / 32 streams of "
                        + "one tenant %.1f tok/s = %.3f (target >= %.2f): %s%n", EFFICIENCY_ROUNDS, manyTenants, oneTenant, efficiency,
                MIN_MULTI_TENANT_EFFICIENCY, efficiency >= MIN_MULTI_TENANT_EFFICIENCY ? "met" : "MISSED");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("suite", "serve");
        doc.put("model", label);
        doc.put("threads", threads);
        doc.put("cpu", BenchResults.cpuModel());
        doc.put("java", Runtime.version().toString());
        doc.put("method", "closed loop: each stream sends a request (" + promptTokens + " random prompt tokens, " + maxTokens
                + " greedy tokens, stop tokens ignored), waits for it to finish and sends the next; streams round-robin over random "
                + "one-bit tenant deltas; the step loop on its own thread; " + warmupSeconds + " s warm-up, then " + windowSeconds
                + " s measured per configuration, configurations one after another in this process; the efficiency ratio from "
                + EFFICIENCY_ROUNDS + " more alternating rounds of its two configurations, best of each");
        doc.put("results", rows);
        doc.put("efficiency_32_streams_one_tenant_tokens_per_second", oneTenant);
        doc.put("efficiency_32_streams_32_tenants_tokens_per_second", manyTenants);
        doc.put("multi_tenant_efficiency", efficiency);
        doc.put("targets", Map.of("min_multi_tenant_efficiency", MIN_MULTI_TENANT_EFFICIENCY));
        return doc;
    }

    /**
     * Streams that resubmit as soon as their request finishes. Sinks run on the step thread, so the counters
     * need no locks; they are read after the loop has stopped.
     */
    private final class ClosedLoop {
        final Scheduler scheduler;
        final int vocab;
        final int streams;
        final int tenants;
        final SamplingParams params = SamplingParams.greedy(maxTokens).withIgnoreEos(true);
        volatile long windowStart = Long.MAX_VALUE;
        volatile long windowEnd = Long.MAX_VALUE;
        volatile boolean stopping;
        long tokens;
        long requests;
        final List<Long> ttft = new ArrayList<>();
        final List<Long> itl = new ArrayList<>();

        ClosedLoop(Scheduler scheduler, int vocab, int streams, int tenants) {
            this.scheduler = scheduler;
            this.vocab = vocab;
            this.streams = streams;
            this.tenants = tenants;
        }

        Result measure() throws InterruptedException {
            try (StepLoop loop = new StepLoop(scheduler, "bench-step").start()) {
                for (int s = 0; s < streams; s++) {
                    new Stream(s).submit();
                }
                Thread.sleep((long) (warmupSeconds * 1e3));
                long start = System.nanoTime();
                windowStart = start;
                windowEnd = start + (long) (windowSeconds * 1e9);
                Thread.sleep((long) (windowSeconds * 1e3));
                stopping = true;
            }
            return new Result(streams, tenants, requests, tokens, windowSeconds, percentile(ttft, 0.5), percentile(ttft, 0.99),
                    percentile(itl, 0.5), percentile(itl, 0.99));
        }

        boolean inWindow(long t) {
            return t >= windowStart && t < windowEnd;
        }

        final class Stream implements RequestSink {
            final int index;
            final SplittableRandom rng;
            int sent;
            long submitted;
            long last;

            Stream(int index) {
                this.index = index;
                this.rng = new SplittableRandom(index);
            }

            void submit() {
                submitted = System.nanoTime();
                last = 0;
                int[] prompt = rng.ints(promptTokens, 3, vocab).toArray();
                scheduler.submit(new ServeRequest("s" + index + "-" + sent++, "tenant-" + index % tenants, "tenant-" + index % tenants,
                        prompt, params, this));
            }

            @Override
            public void onToken(int token, String text) {
                long now = System.nanoTime();
                if (inWindow(now)) {
                    tokens++;
                    if (last == 0) {
                        if (inWindow(submitted)) {
                            ttft.add(now - submitted);
                        }
                    } else if (inWindow(last)) {
                        itl.add(now - last);
                    }
                }
                last = now;
            }

            @Override
            public void onFinish(Completion completion) {
                if (inWindow(System.nanoTime())) {
                    requests++;
                }
                if (!stopping) {
                    submit();
                }
            }

            @Override
            public void onError(RequestFailure failure) {
                if (failure.kind() != RequestFailure.Kind.SHUTDOWN) {
                    throw new IllegalStateException("benchmark request failed: " + failure);
                }
            }
        }
    }

    /** The q-quantile of nanosecond samples, in milliseconds (nearest rank). */
    static double percentile(List<Long> nanos, double q) {
        if (nanos.isEmpty()) {
            return Double.NaN;
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, rank)] / 1e6;
    }
}
