package dev.signet.engine.tokenizer;

/**
 * A conversation rendered by a {@link ChatTemplate}: the prompt {@code text}, and whether that text already begins
 * with the BOS token's text (then the caller must not add another BOS when it tokenizes it).
 */
public record ChatPrompt(String text, boolean includesBos) {}
