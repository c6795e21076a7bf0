package dev.signet.engine.generate;

import dev.signet.engine.sampling.FinishReason;

/**
 * What one request produced: the generated ids (a final stop token included, as Hugging Face returns it),
 * the text (stop token and stop string excluded) and why it ended.
 */
public record GenerationResult(int[] tokens, String text, FinishReason finishReason) {}
