package dev.signet.store.artifact;

import dev.signet.engine.bitdelta.BitDeltaArtifact;
import dev.signet.engine.bitdelta.BitDeltaException;
import dev.signet.store.api.ApiException;
import dev.signet.store.config.StoreProperties;
import dev.signet.store.files.DurableFiles;
import dev.signet.engine.deltacache.ArtifactDigest;
import dev.signet.store.files.StoreJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Immutable, content-addressed artifacts under {@code <data-dir>/artifacts/}: {@code <digest>.safetensors}, named by
 * the sha256 of its bytes, and {@code <digest>.json}, its {@link ArtifactMetadata}. The metadata is written first and
 * the artifact renamed into place last (both fsynced, the folder too), so an artifact is visible under its digest only
 * whole and with its metadata; a crash leaves at worst a metadata file without artifact, swept at the next start.
 * Methods block; callers run them off the event loop.
 */
@Component
public class ArtifactStore {
    static final String SUFFIX = ".safetensors";
    private static final String META = ".json";

    private final Path dir;
    private final BaseModel base;

    public ArtifactStore(StoreProperties properties, BaseModel base) throws IOException {
        this.dir = Files.createDirectories(properties.dataDir().resolve("artifacts"));
        this.base = base;
        sweepLeftovers();
    }

    /**
     * Checks a complete file (on the store's disk) against the base with the engine's {@link BitDeltaArtifact} (422
     * {@code invalid_artifact} with the engine's message when a check fails), then moves it to its digest's name. The
     * same bytes stored twice are one artifact: the first one's metadata stays.
     */
    public ArtifactMetadata ingest(Path candidate, String kind, String source) throws IOException {
        JsonNode settings;
        JsonNode report;
        try (BitDeltaArtifact artifact = BitDeltaArtifact.open(candidate, base.checkpoint().weights(), base.digest())) {
            settings = artifact.settings();
            report = artifact.quality();
        } catch (BitDeltaException e) {
            throw ApiException.unprocessable("invalid_artifact", "the artifact is refused: " + e.getMessage(), e);
        }
        DurableFiles.syncFile(candidate);
        String digest = ArtifactDigest.of(candidate);
        synchronized (this) {
            Optional<ArtifactMetadata> existing = find(digest);
            if (existing.isPresent()) {
                Files.delete(candidate);
                return existing.get();
            }
            ArtifactMetadata metadata = new ArtifactMetadata(digest, Files.size(candidate), Instant.now().getEpochSecond(), kind,
                    source, base.digest(), settings, report);
            StoreJson.write(metadataPath(digest), metadata);
            DurableFiles.publish(candidate, path(digest));
            return metadata;
        }
    }

    public Optional<ArtifactMetadata> find(String digest) throws IOException {
        if (!ArtifactDigest.isValid(digest) || !Files.isRegularFile(path(digest)) || !Files.isRegularFile(metadataPath(digest))) {
            return Optional.empty();
        }
        return Optional.of(StoreJson.read(metadataPath(digest), ArtifactMetadata.class));
    }

    /** Every stored artifact, oldest first. */
    public List<ArtifactMetadata> list() throws IOException {
        List<ArtifactMetadata> all = new ArrayList<>();
        for (String digest : digests()) {
            find(digest).ifPresent(all::add);
        }
        all.sort(Comparator.comparingLong(ArtifactMetadata::createdAt).thenComparing(ArtifactMetadata::digest));
        return all;
    }

    /** The artifact file of a digest (it may not exist). */
    public Path path(String digest) {
        return dir.resolve(digest + SUFFIX);
    }

    /** Deletes an artifact: its bytes first, so it stops being visible before its metadata goes. */
    public synchronized void delete(String digest) throws IOException {
        Files.deleteIfExists(path(digest));
        Files.deleteIfExists(metadataPath(digest));
        DurableFiles.syncDirectory(dir);
    }

    private Path metadataPath(String digest) {
        return dir.resolve(digest + META);
    }

    private List<String> digests() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(SUFFIX))
                    .map(n -> n.substring(0, n.length() - SUFFIX.length())).filter(ArtifactDigest::isValid).sorted().toList();
        }
    }

    /** Temporary files and metadata whose artifact never arrived: what a crash mid-write leaves. */
    private void sweepLeftovers() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                boolean orphanMetadata = name.endsWith(META) && !Files.exists(dir.resolve(name.replace(META, SUFFIX)));
                if (name.endsWith(DurableFiles.TEMP_SUFFIX) || orphanMetadata) {
                    Files.delete(f);
                }
            }
        }
        DurableFiles.syncDirectory(dir);
    }
}
