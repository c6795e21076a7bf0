package dev.signet.gateway.completion;

/** What every body and chunk of one response repeats: its id ({@code cmpl-…}, {@code chatcmpl-…}), creation time (unix seconds), model. */
public record ResponseHeader(String id, long created, String model) {}
