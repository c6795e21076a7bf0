package dev.signet.engine.tokenizer;

/**
 * sentencepiece's {@code Normalizer::Normalize} for the identity rule (no precompiled charsmap): optionally
 * drops leading and trailing spaces and collapses runs of spaces (remove_extra_whitespaces), prepends one
 * space (add_dummy_prefix, so "world" and "hello world" both yield "▁world"), and writes spaces as U+2581
 * (escape_whitespaces). Only U+0020 counts as a space here, as in sentencepiece.
 */
final class SentencePieceNormalizer {
    static final char SPACE_SYMBOL = '\u2581';

    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final char space;

    SentencePieceNormalizer(SentencePieceModel.NormalizerSpec spec) {
        this.addDummyPrefix = spec.addDummyPrefix();
        this.removeExtraWhitespaces = spec.removeExtraWhitespaces();
        this.space = spec.escapeWhitespaces() ? SPACE_SYMBOL : ' ';
    }

    String normalize(String text) {
        int n = text.length();
        int i = 0;
        if (removeExtraWhitespaces) {
            while (i < n && text.charAt(i) == ' ') {
                i++;
            }
        }
        if (i == n) {
            return "";
        }
        StringBuilder out = new StringBuilder(n - i + 1);
        if (addDummyPrefix) {
            out.append(space);
        }
        boolean previousWasSpace = removeExtraWhitespaces;
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (c == ' ') {
                if (previousWasSpace) {
                    continue;
                }
                out.append(space);
                previousWasSpace = removeExtraWhitespaces;
            } else {
                out.append(c);
                previousWasSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            int len = out.length();
            while (len > 0 && out.charAt(len - 1) == space) {
                len--;
            }
            out.setLength(len);
        }
        return out.toString();
    }
}
