package dev.signet.store.compress;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.bitdelta.BitDeltaCompressor;
import dev.signet.engine.bitdelta.CompressionOptions;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.store.artifact.ArtifactMetadata;
import dev.signet.store.artifact.ArtifactStore;
import dev.signet.store.artifact.BaseModel;
import dev.signet.store.config.StoreProperties;
import dev.signet.store.files.DurableFiles;
import dev.signet.store.gate.QualityGate;
import dev.signet.store.upload.DeclaredFile;
import dev.signet.store.upload.ReceivedUpload;
import dev.signet.store.upload.UploadRules;
import dev.signet.store.upload.UploadStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Compression jobs: a received checkpoint upload compressed against the base by the engine's
 * {@link BitDeltaCompressor} (plain one-bit BitDelta, quality measured on the upload's {@code eval.txt}) on a small
 * executor of {@code signet.store.compression-threads}, in a scratch folder {@code <data-dir>/work/<job>/}; the
 * result is checked and stored like an uploaded artifact, and the gate's verdict recorded. The upload is deleted
 * once its artifact is stored, kept after a failure so that it can be completed again.
 */
@Component
public class CompressionJobs implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(CompressionJobs.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final JobStore jobs;
    private final UploadStore uploads;
    private final ArtifactStore artifacts;
    private final BaseModel base;
    private final QualityGate gate;
    private final Path workRoot;
    private final ExecutorService executor;

    public CompressionJobs(JobStore jobs, UploadStore uploads, ArtifactStore artifacts, BaseModel base, QualityGate gate,
                           StoreProperties properties) throws IOException {
        this.jobs = jobs;
        this.uploads = uploads;
        this.artifacts = artifacts;
        this.base = base;
        this.gate = gate;
        this.workRoot = properties.dataDir().resolve("work");
        DurableFiles.deleteTree(workRoot);   // scratch of jobs a previous process did not finish
        Files.createDirectories(workRoot);
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(properties.compressionThreads(), r -> {
            Thread t = new Thread(r, "compression-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues a job for the upload, or returns the one already queued or running for it. */
    public synchronized CompressionJob start(ReceivedUpload upload) throws IOException {
        var active = jobs.activeFor(upload.manifest().id());
        if (active.isPresent()) {
            return active.get();
        }
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        CompressionJob job = CompressionJob.queued("job_" + HexFormat.of().formatHex(random), upload.manifest().id(), now());
        jobs.save(job);
        executor.execute(() -> run(job, upload));
        return job;
    }

    private void run(CompressionJob queued, ReceivedUpload upload) {
        JobProgress progress = new JobProgress(queued, jobs);
        Path work = workRoot.resolve(queued.id());
        try {
            progress.stage("preparing", 0.01);
            Path checkpointDir = prepare(work, upload);
            Path evalText = upload.manifest().fileIndex(UploadRules.EVAL_TEXT) >= 0 ? checkpointDir.resolve(UploadRules.EVAL_TEXT) : null;
            Path out = work.resolve("delta.safetensors");
            try (LlamaCheckpoint tuned = LlamaCheckpoint.open(checkpointDir)) {
                new BitDeltaCompressor(VectorCpuBackend::new).compress(base.checkpoint(), tuned, out,
                        CompressionOptions.plain().withEval(evalText),
                        (tensor, done, total) -> progress.compressed(done, total, evalText != null));
            }
            progress.stage("storing", 0.95);
            ArtifactMetadata stored = artifacts.ingest(out, ArtifactMetadata.COMPRESSED, queued.id());
            jobs.save(progress.current().succeeded(stored.digest(), stored.report(), gate.evaluate(stored.report()), now()));
            uploads.purge(upload.manifest().id());
        } catch (IOException | RuntimeException e) {
            log.warn("job {} failed: {}", queued.id(), e.getMessage(), e);
            try {
                jobs.save(progress.current().failed(e.getMessage() == null ? e.toString() : e.getMessage(), now()));
            } catch (IOException saving) {
                log.error("job {}: cannot record its failure", queued.id(), saving);
            }
        } finally {
            try {
                DurableFiles.deleteTree(work);
            } catch (IOException e) {
                log.warn("job {}: cannot delete its scratch folder {}", queued.id(), work, e);
            }
        }
    }

    /**
     * The checkpoint as a model folder: the upload's files linked (not copied) into {@code work/checkpoint}, plus the
     * base's tokenizer files when the upload brought none.
     */
    private Path prepare(Path work, ReceivedUpload upload) throws IOException {
        Path dir = Files.createDirectories(work.resolve("checkpoint"));
        for (DeclaredFile f : upload.manifest().files()) {
            linkOrCopy(upload.file(f.name()), dir.resolve(f.name()));
        }
        boolean ownTokenizer = UploadRules.TOKENIZER_FILES.stream().anyMatch(n -> upload.manifest().fileIndex(n) >= 0);
        if (!ownTokenizer) {
            for (String name : UploadRules.TOKENIZER_FILES) {
                Path baseFile = base.checkpoint().dir().resolve(name);
                if (Files.isRegularFile(baseFile)) {
                    Files.copy(baseFile, dir.resolve(name));
                }
            }
        }
        return dir;
    }

    private static void linkOrCopy(Path source, Path target) throws IOException {
        try {
            Files.createLink(target, source);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(source, target);
        }
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }
}
