package dev.signet.store.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The store's settings, {@code signet.store.*}: where it keeps its files, the base it compresses and checks against,
 * the registry it publishes to, upload bounds, garbage collection and the quality gate. Paths left empty resolve
 * against {@code signet.home} (the launcher sets it; else the working directory). docs/delta-store.md lists every
 * property with its default.
 */
@Validated
@ConfigurationProperties("signet.store")
public record StoreProperties(
        Path dataDir,                                                     // null: <signet.home>/data/delta-store
        Path baseModelDir,                                                // null: <signet.home>/models/stories260K
        @DefaultValue("http://localhost:8092") @NotNull URI registryUrl,
        @DefaultValue("10s") @NotNull Duration registryTimeout,
        @DefaultValue("64MB") @NotNull DataSize maxChunkSize,
        @DefaultValue("256GB") @NotNull DataSize maxFileSize,
        @DefaultValue("1") @Min(1) int compressionThreads,
        @DefaultValue("1h") @NotNull Duration gcGrace,
        @DefaultValue("24h") @NotNull Duration uploadTtl,
        @DefaultValue("15m") @NotNull Duration gcInterval,
        @DefaultValue("") String artifactToken,                           // empty: workers fetch without a credential
        @Valid @NotNull @DefaultValue Gate gate) {

    public static final String HOME_PROPERTY = "signet.home";

    public StoreProperties {
        dataDir = (dataDir != null ? dataDir : home().resolve("data/delta-store")).toAbsolutePath().normalize();
        baseModelDir = (baseModelDir != null ? baseModelDir : home().resolve("models/stories260K")).toAbsolutePath().normalize();
        if (registryUrl != null && !registryUrl.isAbsolute()) {
            throw new IllegalArgumentException("signet.store.registry-url must be an absolute http(s) URL, got " + registryUrl);
        }
        if (gcInterval != null && (gcInterval.isNegative() || gcInterval.isZero())) {
            throw new IllegalArgumentException("signet.store.gc-interval must be positive, got " + gcInterval);
        }
    }

    /**
     * The quality gate a delta must pass before it is published: its compressed perplexity over the fine-tune's at most
     * {@code maxPerplexityRatio}, the mean KL divergence from the fine-tune at most {@code maxKl} nats; with
     * {@code requireReport} a delta without a measured report does not pass.
     */
    public record Gate(
            @DefaultValue("1.10") @DecimalMin("1.0") double maxPerplexityRatio,
            @DefaultValue("0.10") @DecimalMin("0.0") double maxKl,
            @DefaultValue("true") boolean requireReport) {}

    public boolean artifactsNeedToken() {
        return artifactToken != null && !artifactToken.isBlank();
    }

    /** {@code signet.home}, else the working directory. */
    static Path home() {
        String home = System.getProperty(HOME_PROPERTY);
        return (home == null || home.isBlank() ? Path.of("") : Path.of(home)).toAbsolutePath().normalize();
    }
}
