package dev.signet.engine.generate;

/** Receives each request's tokens as they are produced, with the text they complete (often "" mid-character). */
@FunctionalInterface
public interface TokenListener {
    TokenListener NONE = (request, token, text) -> {};

    void onToken(int request, int token, String text);
}
