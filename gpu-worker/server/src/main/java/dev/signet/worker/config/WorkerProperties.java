package dev.signet.worker.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The worker's settings, {@code signet.worker.*}: which model it serves and on which backend, how much one step and
 * the KV pool hold, the delta cache's tiers, where deltas come from ({@code delta-dir}, a folder of artifacts, or
 * {@code store-url}, the delta store), and how it reports residency. Paths left empty resolve against
 * {@link SignetHome}: {@code models/stories260K} and {@code models/deltas}, the bundled demo; {@code medusa.*} says
 * which Medusa heads draft for the base and for which deltas. docs/worker-api.md lists every property with its default.
 */
@Validated
@ConfigurationProperties("signet.worker")
public record WorkerProperties(
        Path modelDir,                                                   // null: <signet.home>/models/stories260K
        @DefaultValue("cpu") @Pattern(regexp = "cpu|reference|cuda", message = "must be cpu, reference or cuda") String backend,
        @DefaultValue("0") @Min(0) int threads,                          // 0: every available processor
        @DefaultValue("f32") @Pattern(regexp = "f32|f16", message = "must be f32 or f16") String kvDtype,  // cuda: the KV cache's type
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
        @Valid @NotNull @DefaultValue Metrics metrics,
        @Valid @NotNull @DefaultValue Medusa medusa) {

    public WorkerProperties {
        if ("f16".equals(kvDtype) && !"cuda".equals(backend)) {
            throw new IllegalArgumentException("signet.worker.kv-dtype=f16 needs signet.worker.backend=cuda (the " + backend
                    + " backend keeps its KV cache in float32)");
        }
        if (maxRunning > maxBatchRows) {
            throw new IllegalArgumentException("signet.worker.max-running (" + maxRunning + ") must not exceed max-batch-rows ("
                    + maxBatchRows + "): every running sequence decodes one row in every step");
        }
        if (medusa != null && medusa.speculates() && medusa.draftRows() >= maxBatchRows) {
            throw new IllegalArgumentException("signet.worker.medusa.draft-rows (" + medusa.draftRows() + ") must be less than"
                    + " max-batch-rows (" + maxBatchRows + "): a lone sequence's tree, its root and draft-rows drafted tokens,"
                    + " must fit in one step (0 turns speculation off)");
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

    /**
     * Medusa speculation: heads that draft a tree of tokens after every generated one, verified in the next step.
     * {@code base}: the base's heads folder ({@code none}: no heads; unset: the bundled
     * {@code <signet.home>/models/medusa/stories260K} when the model is the bundled stories260K, else none).
     * {@code deltas}: a delta's heads folder by the delta's sha256 digest or, for a delta folder, its file name
     * without {@code .safetensors} (unset: {@code caps} → the bundled {@code models/medusa/caps} when deltas come
     * from the bundled folder; a folder of {@code none} drops an entry). {@code tenantsUseBaseHeads}: deltas without
     * heads of their own draft with the base's. {@code draftRows}: spare rows a step gives to trees, shared by
     * the drafting sequences, at most; with {@code adaptive} the scheduler measures them down to what pays on this
     * hardware, otherwise every step offers them all. {@code verification}: how requests that sample check a tree, {@code lossless} (the
     * model's own distribution) or {@code typical} (Medusa's typical acceptance); greedy requests are always exact.
     * With {@code enabled=false} or {@code draftRows=0} nothing speculates and no heads are loaded.
     */
    public record Medusa(
            @DefaultValue("true") boolean enabled,
            String base,                                                 // null: the bundled heads for the bundled model
            Map<String, String> deltas,                                  // null: caps' bundled heads for the bundled folder
            @DefaultValue("true") boolean tenantsUseBaseHeads,
            @DefaultValue("0") @Min(0) int draftRows,
            @DefaultValue("true") boolean adaptive,
            @DefaultValue("lossless") @NotNull @Pattern(regexp = "lossless|typical", message = "must be lossless or typical")
            String verification) {

        /** A heads folder of this value means: no heads. */
        public static final String NONE = "none";
        private static final String DIGEST = "[0-9a-f]{64}";
        private static final String NAME = "[A-Za-z0-9][A-Za-z0-9._-]*";

        public Medusa {
            if (base != null && base.isBlank()) {
                throw new IllegalArgumentException("signet.worker.medusa.base must be a heads folder or '" + NONE
                        + "', got an empty value");
            }
            if (deltas != null) {
                deltas.forEach((key, dir) -> {
                    if (key.matches("(?i)" + DIGEST) && !key.matches(DIGEST)) {
                        throw new IllegalArgumentException("signet.worker.medusa.deltas: key '" + key
                                + "' must be the delta's sha256 digest in lower-case hex");
                    }
                    if (!key.matches(NAME)) {
                        throw new IllegalArgumentException("signet.worker.medusa.deltas: key '" + key
                                + "' is neither a sha256 digest (64 lower-case hex digits) nor a delta's file name");
                    }
                    if (dir == null || dir.isBlank()) {
                        throw new IllegalArgumentException("signet.worker.medusa.deltas[" + key + "] must be a heads folder or '"
                                + NONE + "'");
                    }
                });
                deltas = Map.copyOf(deltas);
            }
        }

        /** Whether anything may speculate: enabled, with spare rows for trees. */
        public boolean speculates() {
            return enabled && draftRows > 0;
        }

        /** Whether a key of {@link #deltas} is a digest rather than a delta's name. */
        public static boolean isDigest(String key) {
            return key.matches(DIGEST);
        }
    }
}
