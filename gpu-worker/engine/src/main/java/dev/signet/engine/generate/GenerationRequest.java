package dev.signet.engine.generate;

import dev.signet.engine.sampling.SamplingParams;

/** A prompt, as token ids (BOS included when the model wants one), and how to continue it. */
public record GenerationRequest(int[] promptIds, SamplingParams params) {
    public GenerationRequest {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("a prompt needs at least one token (a BOS for an empty text)");
        }
    }
}
