package dev.signet.store.compress;

import dev.signet.store.gate.GateVerdict;
import tools.jackson.databind.JsonNode;

/**
 * A compression job as {@code GET /admin/v1/jobs/{id}} shows it and {@code jobs/<id>.json} keeps it: the upload it
 * compresses, its state, the stage it is in ({@code queued}, {@code preparing}, {@code compressing},
 * {@code evaluating}, {@code storing}, {@code done}) and the fraction done, then the artifact's digest, its quality
 * report and the gate's verdict at completion, or the error.
 */
public record CompressionJob(String id, String upload, JobState state, String stage, double progress, String error,
                             String digest, JsonNode report, GateVerdict gate, long createdAt, long updatedAt) {

    static CompressionJob queued(String id, String upload, long now) {
        return new CompressionJob(id, upload, JobState.QUEUED, "queued", 0, null, null, null, null, now, now);
    }

    CompressionJob at(String stage, double progress, long now) {
        return new CompressionJob(id, upload, JobState.RUNNING, stage, progress, null, null, null, null, createdAt, now);
    }

    CompressionJob succeeded(String digest, JsonNode report, GateVerdict gate, long now) {
        return new CompressionJob(id, upload, JobState.SUCCEEDED, "done", 1, null, digest, report, gate, createdAt, now);
    }

    CompressionJob failed(String error, long now) {
        return new CompressionJob(id, upload, JobState.FAILED, stage, progress, error, null, null, null, createdAt, now);
    }
}
