package dev.signet.gateway.completion;

/** A choice of a response that is not streamed: its whole text and why it ended. */
public record FinishedChoice(int index, String text, String finishReason) {}
