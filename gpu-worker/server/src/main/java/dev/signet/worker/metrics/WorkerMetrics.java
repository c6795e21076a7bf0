package dev.signet.worker.metrics;

import dev.signet.engine.deltacache.CacheTier;
import dev.signet.engine.deltacache.CachedDelta;
import dev.signet.engine.scheduler.SpeculationStats;
import dev.signet.worker.config.WorkerProperties;
import dev.signet.worker.engine.LoadedEngine;
import dev.signet.worker.engine.WorkerEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * The worker's metrics. The vLLM series that Kubernetes' inference gateway routes on, under vLLM's exact names
 * ({@code vllm:num_requests_running}, {@code vllm:num_requests_waiting}, {@code vllm:kv_cache_usage_perc},
 * {@code vllm:lora_requests_info}, time to first token, inter-token latency, prompt and generation token counters);
 * vLLM's speculative-decoding counters ({@code vllm:spec_decode_*}) per tenant; Signet's per-tenant counters with a
 * bounded tenant label ({@link TenantLabels}); preemptions and the delta cache's entries per tier. Scheduler and cache
 * gauges are read at scrape time; per-request series are recorded by each request's {@link RequestMetrics} on the
 * step thread, which costs a few atomic additions per token (and a few more per finished request that speculated).
 */
@Component
public class WorkerMetrics {
    /** vLLM's buckets for time to first token, seconds. */
    static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0,
            7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
    /** vLLM's buckets for inter-token latency, seconds. */
    static final double[] ITL_BUCKETS = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5,
            10.0, 20.0, 40.0, 80.0};

    private final MeterRegistry registry;
    private final WorkerEngine engine;
    private final TenantLabels tenants;
    private final Timer timeToFirstToken;
    private final Timer interTokenLatency;
    private final Timer timePerOutputToken;
    private final Counter promptTokens;
    private final Counter generationTokens;

    public WorkerMetrics(MeterRegistry registry, WorkerEngine engine, WorkerProperties props) {
        this.registry = registry;
        this.engine = engine;
        this.tenants = new TenantLabels(props.metrics().maxTenantLabels());

        Gauge.builder("vllm:num_requests_running", engine, e -> e.schedulerState().running())
                .description("Requests in the running batch (holding KV blocks)").register(registry);
        Gauge.builder("vllm:num_requests_waiting", engine, e -> e.schedulerState().waiting())
                .description("Requests waiting to be admitted").register(registry);
        Gauge.builder("vllm:kv_cache_usage_perc", engine, e -> e.schedulerState().kvUsage())
                .description("Fraction of the KV cache's blocks in use, 0 to 1").register(registry);
        FunctionCounter.builder("vllm:num_preemptions", engine, e -> e.schedulerState().preemptions())
                .description("Running requests preempted (their KV blocks freed, recomputed later)").register(registry);
        FunctionCounter.builder("signet.scheduler.steps", engine, e -> e.schedulerState().steps())
                .description("Forward steps the scheduler ran").register(registry);
        for (CacheTier tier : CacheTier.values()) {
            Gauge.builder("signet.delta.cache.entries", engine, e -> entriesIn(e, tier))
                    .tag("tier", tier.name().toLowerCase(Locale.ROOT))
                    .description("Deltas the cache holds, by their best tier").register(registry);
        }

        timeToFirstToken = latency("vllm:time_to_first_token", "Time from arrival to the first generated token", TTFT_BUCKETS);
        interTokenLatency = latency("vllm:inter_token_latency", "Time between two generated tokens of a request", ITL_BUCKETS);
        timePerOutputToken = latency("vllm:time_per_output_token", "Time between two generated tokens of a request (vLLM's older name)",
                ITL_BUCKETS);
        promptTokens = Counter.builder("vllm:prompt_tokens").description("Prompt tokens of requests that reached their first token")
                .register(registry);
        generationTokens = Counter.builder("vllm:generation_tokens").description("Generated tokens").register(registry);

        if (registry instanceof PrometheusMeterRegistry prometheus) {
            prometheus.getPrometheusRegistry().register(new LoraRequestsInfo(engine, props.cache().deviceSlots()));
        }
    }

    private Timer latency(String name, String description, double[] bucketsSeconds) {
        Duration[] slos = Arrays.stream(bucketsSeconds).mapToObj(s -> Duration.ofNanos(Math.round(s * 1e9))).toArray(Duration[]::new);
        return Timer.builder(name).description(description).serviceLevelObjectives(slos).register(registry);
    }

    private static double entriesIn(WorkerEngine engine, CacheTier tier) {
        List<CachedDelta> entries = engine.loaded().map(LoadedEngine::cache).map(c -> c.entries()).orElse(List.of());
        return entries.stream().filter(d -> d.tier() == tier).count();
    }

    /** Starts recording one request, submitted now. */
    public RequestMetrics request(String tenant) {
        return new RequestMetrics(this, tenants.of(tenant), System.nanoTime());
    }

    /** A request refused before it was queued (bad prompt). */
    public void rejected(String tenant) {
        tenantRequests(tenants.of(tenant), "rejected").increment();
    }

    Counter tenantRequests(String label, String outcome) {
        return Counter.builder("signet.tenant.requests").tag("tenant", label).tag("outcome", outcome)
                .description("Requests by tenant and how they ended").register(registry);
    }

    void firstToken(String label, long sinceSubmitNanos, int prompt) {
        timeToFirstToken.record(sinceSubmitNanos, TimeUnit.NANOSECONDS);
        promptTokens.increment(prompt);
        Counter.builder("signet.tenant.prompt.tokens").tag("tenant", label).description("Prompt tokens by tenant")
                .register(registry).increment(prompt);
    }

    void nextToken(long sincePreviousNanos) {
        interTokenLatency.record(sincePreviousNanos, TimeUnit.NANOSECONDS);
        timePerOutputToken.record(sincePreviousNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * A finished request's speculation, under vLLM's spec-decode names: tree steps, drafted tokens, accepted drafted
     * tokens, and accepted tokens by position (depth − 1; every position of the deepest tree gets a series).
     */
    void speculation(String label, SpeculationStats s) {
        Counter.builder("vllm:spec_decode_num_drafts").tag("tenant", label)
                .description("Speculative steps: draft trees verified").register(registry).increment(s.drafts());
        Counter.builder("vllm:spec_decode_num_draft_tokens").tag("tenant", label)
                .description("Drafted tokens (tree nodes past the root) verified").register(registry).increment(s.draftTokens());
        Counter.builder("vllm:spec_decode_num_accepted_tokens").tag("tenant", label)
                .description("Drafted tokens accepted").register(registry).increment(s.acceptedTokens());
        int[] atDepth = s.acceptedAtDepth();
        int positions = Math.max(atDepth.length, engine.loaded().map(e -> e.medusa().maxDepth()).orElse(0));
        for (int p = 0; p < positions; p++) {
            Counter.builder("vllm:spec_decode_num_accepted_tokens_per_pos").tag("tenant", label).tag("position", Integer.toString(p))
                    .description("Drafted tokens accepted, by position in the draft (0: the first token past the root)")
                    .register(registry).increment(p < atDepth.length ? atDepth[p] : 0);
        }
    }

    void generated(String label) {
        generationTokens.increment();
        Counter.builder("signet.tenant.generated.tokens").tag("tenant", label).description("Generated tokens by tenant")
                .register(registry).increment();
    }
}
