package dev.signet.worker.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The worker's settings, {@code signet.worker.*}: which model it serves and on which backend, how much one step and
 * the KV pool hold, the delta cache's tiers, where deltas come from ({@code delta-dir}, a folder of artifacts, or
 * {@code store-url}, the delta store), and how it reports residency. Paths left empty resolve against
 * {@link SignetHome}: {@code models/stories260K} and {@code models/deltas}, the bundled demo. docs/worker-api.md lists
 * every property with its default.
 */
@Validated
@ConfigurationProperties("signet.worker")
public record WorkerProperties(
        Path modelDir,                                                   // null: <signet.home>/models/stories260K
        @DefaultValue("cpu") @Pattern(regexp = "cpu|reference", message = "must be cpu or reference") String backend,
        @DefaultValue("0") @Min(0) int threads,                          // 0: every available processor
        @DefaultValue("256") @Min(1) int maxBatchRows,                   // token budget of one step
        @DefaultValue("1024") @Min(1) int kvBlocks,
        @DefaultValue("16") @Min(1) int blockSize,                       // positions per KV block
        @DefaultValue("64") @Min(1) int maxRunning,                      // sequences holding KV blocks at once
        @Valid @NotNull @DefaultValue Cache cache,
        Path deltaDir,                                                   // null (and no store-url): <signet.home>/models/deltas
        URI storeUrl,                                                    // the delta store; wins over delta-dir
        String workerId,                                                 // null: <hostname>:<server port>
        String advertisedAddress,                                        // null: http://<hostname>:<server port>
        @Valid @NotNull @DefaultValue Residency residency,
        @Valid @NotNull @DefaultValue Metrics metrics) {

    public WorkerProperties {
        if (maxRunning > maxBatchRows) {
            throw new IllegalArgumentException("signet.worker.max-running (" + maxRunning + ") must not exceed max-batch-rows ("
                    + maxBatchRows + "): every running sequence decodes one row in every step");
        }
    }

    /** The delta cache's tiers: device slots, a host-memory budget, a disk directory and its budget, loader threads. */
    public record Cache(
            @DefaultValue("8") @Min(1) int deviceSlots,
            @DefaultValue("32GB") @NotNull DataSize hostBudget,
            Path diskDir,                                                // null: <java.io.tmpdir>/signet-deltas-<worker id>
            @DefaultValue("256GB") @NotNull DataSize diskBudget,
            @DefaultValue("2") @Min(1) int loaderThreads) {}

    /**
     * Residency reports: to Redis at {@code redis-url} (keys under {@code key-prefix}), or, left empty, to an
     * in-process registry (the all-in-one mode). A report goes out every {@code heartbeat-interval} and lives for
     * {@code heartbeat-ttl}.
     */
    public record Residency(
            @DefaultValue("") String redisUrl,
            @DefaultValue("signet") String keyPrefix,
            @DefaultValue("2s") @NotNull Duration heartbeatInterval,
            @DefaultValue("6s") @NotNull Duration heartbeatTtl) {

        public Residency {
            if (heartbeatInterval != null && heartbeatTtl != null && heartbeatTtl.compareTo(heartbeatInterval) <= 0) {
                throw new IllegalArgumentException("signet.worker.residency.heartbeat-ttl (" + heartbeatTtl
                        + ") must be longer than heartbeat-interval (" + heartbeatInterval + ")");
            }
        }

        public boolean usesRedis() {
            return redisUrl != null && !redisUrl.isBlank();
        }
    }

    /** Per-tenant series: the first {@code maxTenantLabels} tenants get their own label, later ones count as {@code other}. */
    public record Metrics(@DefaultValue("100") @Min(0) int maxTenantLabels) {}
}
