package dev.signet.engine.tokenizer;

import java.util.Arrays;

/**
 * Incremental detokenizer for generated ids, in the windowed form vLLM uses: each {@link #push} decodes a
 * short window (the last emitted ids plus the new ones) and returns what the window's text adds beyond the
 * text of its prefix, so a push costs O(window), not O(sequence). Text is held back (push returns "") while
 * it ends in U+FFFD (an incomplete UTF-8 character) or while the tokenizer says it may still change.
 * Concatenating every push and the final {@link #flush} gives {@code decode(prompt + generated)} minus
 * {@code decode(prompt)}. Special ids and unknown ids contribute no text, as in {@link Tokenizer#decode}.
 * Not thread-safe: one per generation stream.
 */
public final class StreamingDecoder {
    /** Prompt ids decoded as context before the first generated id (vLLM's initial offset). */
    private static final int PROMPT_CONTEXT = 5;

    private final Tokenizer tokenizer;
    private final WindowDecoding decoding;
    /** Non-special ids from absolute position {@code base} on. */
    private int[] ids = new int[32];
    private int size;
    private long base;
    /** Window start (context) and end of emitted text, as indexes into {@link #ids}. */
    private int prefixOffset;
    private int readOffset;
    private String prefixText;

    StreamingDecoder(Tokenizer tokenizer, WindowDecoding decoding, int[] promptIds) {
        this.tokenizer = tokenizer;
        this.decoding = decoding;
        for (int id : promptIds) {
            if (producesText(id)) {
                append(id);
            }
        }
        readOffset = size;
        prefixOffset = Math.max(0, size - PROMPT_CONTEXT);
        prefixText = window(prefixOffset, readOffset);
        compact();
    }

    /** Adds one generated id; returns the text it completes (possibly ""). */
    public String push(int id) {
        if (!producesText(id)) {
            return "";
        }
        append(id);
        if (decoding.mayRewriteAfter(id)) {
            return "";
        }
        String text = window(prefixOffset, size);
        if (text.length() <= prefixText.length() || text.charAt(text.length() - 1) == Utf8Decoding.REPLACEMENT) {
            return "";
        }
        String fresh = text.substring(prefixText.length());
        advance();
        return fresh;
    }

    /** Returns the text still held back (e.g. an incomplete character at the end of generation). */
    public String flush() {
        String text = window(prefixOffset, size);
        String fresh = text.length() > prefixText.length() ? text.substring(prefixText.length()) : "";
        if (size > readOffset) {
            advance();
        }
        return fresh;
    }

    /** Special ids and ids outside the vocabulary are dropped by decode, so they never enter the window. */
    private boolean producesText(int id) {
        return id >= 0 && id < tokenizer.vocabSize() && !tokenizer.isSpecial(id);
    }

    /** The text up to {@link #size} was emitted: the new ids become the next window's prefix. */
    private void advance() {
        prefixOffset = readOffset;
        readOffset = size;
        prefixText = window(prefixOffset, readOffset);
        compact();
    }

    private String window(int from, int to) {
        return from == to ? "" : decoding.decodeWindow(ids, from, to, base + from == 0);
    }

    private void append(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, ids.length * 2);
        }
        ids[size++] = id;
    }

    /** Drops ids before the window so memory stays bounded over long generations. */
    private void compact() {
        if (prefixOffset > 1024) {
            int shift = prefixOffset;
            System.arraycopy(ids, shift, ids, 0, size - shift);
            size -= shift;
            prefixOffset -= shift;
            readOffset -= shift;
            base += shift;
        }
    }
}
