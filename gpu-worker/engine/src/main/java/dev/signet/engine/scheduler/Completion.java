package dev.signet.engine.scheduler;

import dev.signet.engine.sampling.FinishReason;

/**
 * How a request ended normally, with its usage: prompt tokens and generated tokens (a final stop token included),
 * how often it was preempted, and what speculation did for it.
 */
public record Completion(FinishReason finishReason, int promptTokens, int completionTokens, int preemptions, SpeculationStats speculation) {}
