package dev.signet.engine.eval;

import dev.signet.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The token windows a perplexity is measured on, built as the fixtures' protocol builds them: the text is
 * split into documents on {@value #SEPARATOR}, each document becomes BOS + its token ids (no special tokens
 * added), the documents are concatenated, and window k is tokens {@code [k·length, (k+1)·length)}. Every
 * window is scored on its own from position 0, so it predicts {@code length − 1} tokens.
 */
public record EvalWindows(int length, List<int[]> windows) {
    public static final String SEPARATOR = "\n<|endoftext|>\n";
    public static final int DEFAULT_COUNT = 64;
    public static final int DEFAULT_LENGTH = 256;

    public EvalWindows {
        if (length < 2) {
            throw new IllegalArgumentException("a window must hold at least 2 tokens to predict one, got " + length);
        }
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("no windows to evaluate");
        }
        for (int[] w : windows) {
            if (w.length != length) {
                throw new IllegalArgumentException("a window holds " + w.length + " tokens, expected " + length);
            }
        }
        windows = windows.stream().map(int[]::clone).toList();
    }

    /** The protocol's 64 windows of 256 tokens, or as many full windows as the text holds. */
    public static EvalWindows read(Path textFile, Tokenizer tokenizer) {
        return read(textFile, tokenizer, DEFAULT_COUNT, DEFAULT_LENGTH);
    }

    /** Up to {@code count} windows of {@code length} tokens; fewer when the text runs out, never a partial one. */
    public static EvalWindows read(Path textFile, Tokenizer tokenizer, int count, int length) {
        if (count < 1 || length < 2) {
            throw new IllegalArgumentException("need at least one window of at least 2 tokens, got " + count + " × " + length);
        }
        int bos = tokenizer.bosId().orElseThrow(() -> new EvalTextException(textFile,
                "the tokenizer has no BOS token, which the protocol puts before every document"));
        String[] docs = Pattern.compile(Pattern.quote(SEPARATOR)).split(readUtf8(textFile), -1);
        // A file that ends with the separator (as every corpus does) leaves one empty piece after it.
        int docCount = docs[docs.length - 1].isEmpty() ? docs.length - 1 : docs.length;

        // Tokenize only as far as the windows reach: a long corpus need not be encoded whole.
        int needed = Math.multiplyExact(count, length);
        int[] stream = new int[needed];
        int size = 0;
        for (int d = 0; d < docCount && size < needed; d++) {
            stream[size++] = bos;
            int[] ids = tokenizer.encode(docs[d]);
            int take = Math.min(ids.length, needed - size);
            System.arraycopy(ids, 0, stream, size, take);
            size += take;
        }
        if (size < length) {
            throw new EvalTextException(textFile, "holds " + size + " tokens in " + docCount
                    + " documents (BOS included), too few for one window of " + length);
        }
        List<int[]> windows = new ArrayList<>();
        for (int k = 0; k < size / length; k++) {
            windows.add(Arrays.copyOfRange(stream, k * length, (k + 1) * length));
        }
        return new EvalWindows(length, windows);
    }

    public int count() {
        return windows.size();
    }

    /** Window k's tokens (a view: callers must not change it). */
    public int[] window(int k) {
        return windows.get(k);
    }

    /** Tokens scored over all windows: every position but each window's first. */
    public long predictedTokens() {
        return (long) count() * (length - 1);
    }

    /** The text, rejecting bytes that are not UTF-8 rather than scoring replacement characters. */
    private static String readUtf8(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new EvalTextException(file, "file is missing");
        } catch (IOException e) {
            throw new EvalTextException(file, "cannot be read: " + e, e);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(in).toString();
        } catch (CharacterCodingException e) {
            // The decoder stops with the buffer at the first byte it could not decode.
            throw new EvalTextException(file, "not valid UTF-8 (first bad byte at offset " + in.position() + ")", e);
        }
    }
}
