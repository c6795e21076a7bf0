package dev.signet.store.gc;

import dev.signet.store.api.Blocking;
import dev.signet.store.artifact.ArtifactMetadata;
import dev.signet.store.artifact.ArtifactStore;
import dev.signet.store.compress.JobStore;
import dev.signet.store.config.StoreProperties;
import dev.signet.store.publish.RegistryClient;
import dev.signet.store.upload.UploadStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Garbage collection, on demand and every {@code signet.store.gc-interval}: deletes artifacts that no model references
 * (the registry's {@code GET /admin/v1/references}) and that are older than {@code gc-grace} (a delta just stored and
 * not yet published is not garbage), and uploads idle longer than {@code upload-ttl} with no job working on them.
 * When the registry cannot be reached nothing at all is deleted: the references are unknown.
 */
@Component
public class GarbageCollector implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

    private final ArtifactStore artifacts;
    private final UploadStore uploads;
    private final JobStore jobs;
    private final RegistryClient registry;
    private final StoreProperties properties;
    private volatile Disposable schedule;

    public GarbageCollector(ArtifactStore artifacts, UploadStore uploads, JobStore jobs, RegistryClient registry,
                            StoreProperties properties) {
        this.artifacts = artifacts;
        this.uploads = uploads;
        this.jobs = jobs;
        this.registry = registry;
        this.properties = properties;
    }

    /** One collection: what was deleted (artifact digests, then upload ids). */
    public Mono<List<String>> collect() {
        return registry.references().flatMap(referenced -> Blocking.call(() -> delete(referenced)));
    }

    private synchronized List<String> delete(Set<String> referenced) throws IOException {
        Instant now = Instant.now();
        List<String> deleted = new ArrayList<>();
        long artifactCutoff = now.minus(properties.gcGrace()).getEpochSecond();
        for (ArtifactMetadata a : artifacts.list()) {
            if (!referenced.contains(a.digest()) && a.createdAt() < artifactCutoff) {
                artifacts.delete(a.digest());
                deleted.add(a.digest());
            }
        }
        Instant uploadCutoff = now.minus(properties.uploadTtl());
        for (String id : uploads.ids()) {
            if (jobs.activeFor(id).isEmpty() && uploads.lastActivity(id).isBefore(uploadCutoff)) {
                uploads.purge(id);
                deleted.add(id);
            }
        }
        if (!deleted.isEmpty()) {
            log.info("garbage collection deleted {}", deleted);
        }
        return deleted;
    }

    @Override
    public void start() {
        Duration every = properties.gcInterval();
        schedule = Flux.interval(every, every)
                .concatMap(tick -> collect().onErrorResume(e -> {
                    log.warn("scheduled garbage collection deleted nothing: {}", e.getMessage());
                    return Mono.empty();
                }))
                .subscribe();
    }

    @Override
    public void stop() {
        Disposable s = schedule;
        if (s != null) {
            s.dispose();
        }
        schedule = null;
    }

    @Override
    public boolean isRunning() {
        return schedule != null;
    }
}
