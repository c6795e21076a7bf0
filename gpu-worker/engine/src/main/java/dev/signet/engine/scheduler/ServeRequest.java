package dev.signet.engine.scheduler;

import dev.signet.engine.sampling.SamplingParams;

/**
 * One generation request as the scheduler takes it: who asks ({@code tenant}, the unit of fairness), which
 * delta it runs under ({@code delta}, the artifact's digest as the delta cache knows it; null for the plain
 * base), the prompt as token ids (BOS included when the model wants one), how to sample and when to stop,
 * and where its tokens go.
 */
public record ServeRequest(String id, String tenant, String delta, int[] promptIds, SamplingParams params, RequestSink sink) {
    public ServeRequest {
        if (id == null || id.isBlank() || tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("a request needs an id and a tenant");
        }
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("a prompt needs at least one token (a BOS for an empty text)");
        }
        promptIds = promptIds.clone();
    }
}
