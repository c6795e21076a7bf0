package dev.signet.engine.tokenizer;

/**
 * The three ways the reference implementations turn possibly invalid UTF-8 into text. They differ only on
 * invalid input, but a detokenizer must match them there too: sentencepiece writes one U+FFFD per byte that
 * does not start a well-formed character, Rust's {@code String::from_utf8_lossy} (the crate's ByteLevel
 * decoder) one U+FFFD per maximal ill-formed subpart (Unicode 3.9, "U+FFFD substitution of maximal
 * subparts"), and the crate's ByteFallback decoder one U+FFFD per byte of a whole run that is not valid.
 */
final class Utf8Decoding {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8Decoding() {}

    /**
     * Length of the well-formed character at {@code bytes[i]} (Unicode Table 3-7), or, when ill-formed,
     * minus the length of its maximal subpart (the longest prefix that could still begin a character; at
     * least 1).
     */
    static int sequenceLength(byte[] bytes, int i, int end) {
        int b0 = bytes[i] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        int need;
        int lo = 0x80;
        int hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            need = 1;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            need = 2;
            if (b0 == 0xE0) {
                lo = 0xA0;
            } else if (b0 == 0xED) {
                hi = 0x9F; // no surrogates
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            need = 3;
            if (b0 == 0xF0) {
                lo = 0x90;
            } else if (b0 == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return -1;
        }
        int len = 1;
        for (int k = 0; k < need; k++) {
            int j = i + 1 + k;
            if (j >= end) {
                return -len;
            }
            int b = bytes[j] & 0xFF;
            if (b < lo || b > hi) {
                return -len;
            }
            lo = 0x80;
            hi = 0xBF;
            len++;
        }
        return len;
    }

    /** Rust's {@code from_utf8_lossy}: one U+FFFD per maximal ill-formed subpart. */
    static void appendLossy(byte[] bytes, int from, int to, StringBuilder out) {
        appendReplacing(bytes, from, to, out, false);
    }

    /** sentencepiece's byte-piece decoding: one U+FFFD per byte that does not start a well-formed character. */
    static void appendPerByte(byte[] bytes, int from, int to, StringBuilder out) {
        appendReplacing(bytes, from, to, out, true);
    }

    private static void appendReplacing(byte[] bytes, int from, int to, StringBuilder out, boolean perByte) {
        int start = from;
        int i = from;
        while (i < to) {
            int len = sequenceLength(bytes, i, to);
            if (len > 0) {
                i += len;
            } else {
                appendValid(bytes, start, i, out);
                out.append(REPLACEMENT);
                i += perByte ? 1 : -len;
                start = i;
            }
        }
        appendValid(bytes, start, to, out);
    }

    /** Whether {@code bytes[from, to)} is well-formed UTF-8 as a whole (the crate's ByteFallback test). */
    static boolean isValid(byte[] bytes, int from, int to) {
        for (int i = from; i < to; ) {
            int len = sequenceLength(bytes, i, to);
            if (len < 0) {
                return false;
            }
            i += len;
        }
        return true;
    }

    private static void appendValid(byte[] bytes, int from, int to, StringBuilder out) {
        if (to > from) {
            out.append(new String(bytes, from, to - from, java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
