package dev.signet.engine.scheduler;

import dev.signet.engine.sampling.FinishReason;

/** How a request ended normally, with its usage: prompt tokens and generated tokens (a final stop token included). */
public record Completion(FinishReason finishReason, int promptTokens, int completionTokens, int preemptions) {}
