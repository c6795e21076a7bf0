package dev.signet.engine.generate;

import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.sampling.SamplingParams;

/**
 * A prompt, as token ids (BOS included when the model wants one), how to continue it, and the tenant delta
 * it runs under (null: the plain base).
 */
public record GenerationRequest(int[] promptIds, SamplingParams params, ResidentDelta delta) {
    public GenerationRequest {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("a prompt needs at least one token (a BOS for an empty text)");
        }
    }

    public GenerationRequest(int[] promptIds, SamplingParams params) {
        this(promptIds, params, null);
    }
}
