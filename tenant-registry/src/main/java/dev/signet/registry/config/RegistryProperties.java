package dev.signet.registry.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The registry's settings, {@code signet.registry.*}: which store ({@code file}, a directory for one process, or
 * {@code redis}, shared by replicas), where it lives, the quota a tenant created without one gets, the base model a
 * binding without {@code base_model} names, and how usage is deduplicated and compacted. docs/tenant-registry.md lists
 * every property with its default.
 */
@Validated
@ConfigurationProperties("signet.registry")
public record RegistryProperties(
        @DefaultValue("file") @NotNull @Pattern(regexp = "file|redis", message = "must be file or redis") String store,
        Path dataDir,                                                    // null: <signet.home or working dir>/data/registry
        @DefaultValue("") String redisUrl,
        @DefaultValue("signet") @NotBlank String keyPrefix,
        @Valid @NotNull @DefaultValue DefaultQuota defaultQuota,
        @DefaultValue("stories260K") @NotBlank String defaultBaseModel,
        @DefaultValue("1h") @NotNull Duration usageDedupWindow,          // a report retried later than this counts again
        @DefaultValue("10000") @Min(1) long usageCompactEvery) {         // journal entries between usage snapshots

    public static final String SIGNET_HOME = "signet.home";

    public RegistryProperties {
        if ("redis".equals(store) && (redisUrl == null || redisUrl.isBlank())) {
            throw new IllegalArgumentException("signet.registry.store=redis needs signet.registry.redis-url (e.g. redis://redis:6379)");
        }
        if (usageDedupWindow != null && usageDedupWindow.toSeconds() < 1) {
            throw new IllegalArgumentException("signet.registry.usage-dedup-window must be at least 1s, got " + usageDedupWindow);
        }
    }

    /** The file store's directory: {@code data-dir}, else {@code data/registry} under {@code signet.home} or the working directory. */
    public Path resolvedDataDir() {
        if (dataDir != null) {
            return dataDir.toAbsolutePath().normalize();
        }
        String home = System.getProperty(SIGNET_HOME);
        Path base = home == null || home.isBlank() ? Path.of("") : Path.of(home);
        return base.resolve("data/registry").toAbsolutePath().normalize();
    }

    /** The quota of a tenant created without one, and of every limit a quota request leaves out. 0 means unlimited. */
    public record DefaultQuota(
            @DefaultValue("60") @Min(0) long requestsPerMinute,
            @DefaultValue("100000") @Min(0) long tokensPerMinute,
            @DefaultValue("8") @Min(0) long maxConcurrent) {}
}
