package dev.signet.store.compress;

import dev.signet.store.api.ApiException;
import dev.signet.store.config.StoreProperties;
import dev.signet.store.files.StoreJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Jobs under {@code <data-dir>/jobs/<id>.json}, each change written durably (temp, fsync, rename), and held in memory
 * for polling. At start-up a job the previous process left queued or running is marked failed: its work died with
 * that process, and completing the upload again starts a fresh job.
 */
@Component
public class JobStore {
    private static final Logger log = LoggerFactory.getLogger(JobStore.class);
    private static final Pattern ID = Pattern.compile("job_[0-9a-f]{24}");
    static final String INTERRUPTED = "interrupted: the store stopped while this job was ";

    private final Path dir;
    private final Map<String, CompressionJob> jobs = new ConcurrentHashMap<>();

    public JobStore(StoreProperties properties) throws IOException {
        this.dir = Files.createDirectories(properties.dataDir().resolve("jobs"));
        recover();
    }

    public Optional<CompressionJob> find(String id) {
        return Optional.ofNullable(ID.matcher(id).matches() ? jobs.get(id) : null);
    }

    public CompressionJob require(String id) {
        return find(id).orElseThrow(() -> ApiException.notFound("id", "no job '" + id + "'"));
    }

    /** The queued or running job of an upload, if any. */
    public Optional<CompressionJob> activeFor(String upload) {
        return jobs.values().stream().filter(j -> j.state().active() && j.upload().equals(upload)).findFirst();
    }

    /** Records a job's new state on disk, then in memory. */
    public synchronized void save(CompressionJob job) throws IOException {
        StoreJson.write(dir.resolve(job.id() + ".json"), job);
        jobs.put(job.id(), job);
    }

    /** A running job's progress, in memory only: polling sees it, the next {@link #save} makes it durable. */
    public void track(CompressionJob job) {
        jobs.put(job.id(), job);
    }

    private void recover() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("job_[0-9a-f]{24}\\.json")).toList()) {
                CompressionJob job = StoreJson.read(f, CompressionJob.class);
                if (job.state().active()) {
                    job = job.failed(INTERRUPTED + job.stage() + "; complete upload " + job.upload() + " again to retry",
                            Instant.now().getEpochSecond());
                    log.warn("job {}: {}", job.id(), job.error());
                    StoreJson.write(f, job);
                }
                jobs.put(job.id(), job);
            }
        }
    }
}
