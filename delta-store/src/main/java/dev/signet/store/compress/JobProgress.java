package dev.signet.store.compress;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A running job's stage and fraction done, as the compressor reports it tensor by tensor: every stage change is
 * written to disk at once, progress within a stage at most every {@value #SAVE_INTERVAL_MS} ms (polling sees it
 * sooner, from memory). Compressing the tensors is 5-80 % of the job, measuring the quality report up to 95 %.
 */
final class JobProgress {
    private static final long SAVE_INTERVAL_MS = 500;

    private final JobStore jobs;
    private volatile CompressionJob current;
    private long savedAt;

    JobProgress(CompressionJob job, JobStore jobs) {
        this.current = job;
        this.jobs = jobs;
    }

    CompressionJob current() {
        return current;
    }

    void stage(String stage, double progress) throws IOException {
        current = current.at(stage, progress, CompressionJobs.now());
        jobs.save(current);
        savedAt = System.currentTimeMillis();
    }

    /** Told by the compressor after each tensor. */
    void compressed(long done, long total, boolean evaluates) {
        try {
            if (done >= total && evaluates) {
                stage("evaluating", 0.8);
                return;
            }
            current = current.at("compressing", 0.05 + 0.75 * done / Math.max(1, total), CompressionJobs.now());
            jobs.track(current);
            if (System.currentTimeMillis() - savedAt >= SAVE_INTERVAL_MS) {
                jobs.save(current);
                savedAt = System.currentTimeMillis();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
