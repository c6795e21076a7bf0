package dev.signet.worker.metrics;

import dev.signet.engine.scheduler.SchedulerState;
import dev.signet.worker.engine.WorkerEngine;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.List;

/**
 * vLLM's {@code vllm:lora_requests_info}: one gauge sample whose labels carry the deltas of running requests
 * ({@code running_lora_adapters}, comma-joined), of waiting ones ({@code waiting_lora_adapters}) and the device slots
 * ({@code max_lora}), and whose value is the unix time, in seconds, at which those lists last changed. The inference
 * gateway's endpoint picker reads the labels to route a tenant to a worker already running its delta. Its label values
 * change with the batch, which Micrometer's fixed-tag meters cannot express, so it is collected straight from the
 * Prometheus registry at scrape time; only the current label set is exposed (vLLM keeps stale ones), so the series
 * stays one. A change is noticed at the first scrape that sees it.
 */
final class LoraRequestsInfo implements Collector {
    static final String NAME = "vllm:lora_requests_info";

    private final WorkerEngine engine;
    private final String maxLora;
    private List<String> running = List.of();   // guarded by this
    private List<String> waiting = List.of();   // guarded by this
    private double changedAt = System.currentTimeMillis() / 1000.0;

    LoraRequestsInfo(WorkerEngine engine, int deviceSlots) {
        this.engine = engine;
        this.maxLora = Integer.toString(deviceSlots);
    }

    @Override
    public synchronized MetricSnapshot collect() {
        SchedulerState s = engine.schedulerState();
        if (!s.runningDeltas().equals(running) || !s.waitingDeltas().equals(waiting)) {
            running = s.runningDeltas();
            waiting = s.waitingDeltas();
            changedAt = System.currentTimeMillis() / 1000.0;
        }
        return GaugeSnapshot.builder()
                .name(NAME)
                .help("Running and waiting deltas (LoRA adapters in vLLM's terms); value: unix time of their last change")
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(Labels.of("max_lora", maxLora, "running_lora_adapters", String.join(",", running),
                                "waiting_lora_adapters", String.join(",", waiting)))
                        .value(changedAt)
                        .build())
                .build();
    }

    @Override
    public String getPrometheusName() {
        return NAME;
    }
}
