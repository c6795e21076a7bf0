package dev.signet.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The tokenizers crate's decoders, each a step of {@code decode_chain} (token strings in, token strings out);
 * the decoded text is the concatenation of the last step's output. Ported from the crate so their
 * per-token quirks (Strip works on each token, Metaspace treats only the first token as the start) hold.
 */
sealed interface TokenDecoder {

    List<String> decodeChain(List<String> tokens);

    record Sequence(List<TokenDecoder> decoders) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            for (TokenDecoder d : decoders) {
                tokens = d.decodeChain(tokens);
            }
            return tokens;
        }
    }

    /** Applies a {@link TextNormalizer.Replace} rule to each token (e.g. "▁" → " "). */
    record Replace(TextNormalizer.Replace rule) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                out.add(rule.normalize(t));
            }
            return out;
        }
    }

    /**
     * Turns runs of {@code <0xXX>} tokens into text: the run's bytes if they are valid UTF-8 as a whole,
     * else one U+FFFD per byte of the run.
     */
    record ByteFallback() implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            byte[] run = new byte[16];
            int runLength = 0;
            for (String t : tokens) {
                int b = BytePieces.byteOf(t);
                if (b >= 0) {
                    if (runLength == run.length) {
                        run = java.util.Arrays.copyOf(run, run.length * 2);
                    }
                    run[runLength++] = (byte) b;
                    continue;
                }
                runLength = flush(run, runLength, out);
                out.add(t);
            }
            flush(run, runLength, out);
            return out;
        }

        /** The run as one token, or one U+FFFD token per byte when it is not valid UTF-8 as a whole. */
        private static int flush(byte[] run, int runLength, List<String> out) {
            if (Utf8Decoding.isValid(run, 0, runLength)) {
                if (runLength > 0) {
                    out.add(new String(run, 0, runLength, java.nio.charset.StandardCharsets.UTF_8));
                }
            } else {
                for (int i = 0; i < runLength; i++) {
                    out.add(String.valueOf(Utf8Decoding.REPLACEMENT));
                }
            }
            return 0;
        }
    }

    /** Concatenates all tokens into one. */
    record Fuse() implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters of each token. */
    record Strip(int content, int start, int stop) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int startCut = 0;
                for (int k = 0; k < start && startCut < t.length(); k++) {
                    int cp = t.codePointAt(startCut);
                    if (cp != content) {
                        break;
                    }
                    startCut += Character.charCount(cp);
                }
                int stopCut = t.length();
                for (int k = 0; k < stop && stopCut > 0; k++) {
                    int cp = t.codePointBefore(stopCut);
                    if (cp != content) {
                        break;
                    }
                    stopCut -= Character.charCount(cp);
                }
                out.add(stopCut <= startCut ? "" : t.substring(startCut, stopCut));
            }
            return out;
        }
    }

    /**
     * Byte-level tokens back to text: each token's characters mapped to bytes through
     * {@link ByteLevelAlphabet} (a token with a character outside the table, such as an added token, keeps
     * its own UTF-8), all bytes decoded at once as Rust's {@code from_utf8_lossy} does.
     */
    record ByteLevel() implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            for (String t : tokens) {
                boolean mapped = true;
                for (int i = 0; i < t.length() && mapped; i++) {
                    mapped = ByteLevelAlphabet.byteOf(t.charAt(i)) >= 0;
                }
                if (mapped) {
                    for (int i = 0; i < t.length(); i++) {
                        bytes.write(ByteLevelAlphabet.byteOf(t.charAt(i)));
                    }
                } else {
                    bytes.writeBytes(t.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            byte[] b = bytes.toByteArray();
            StringBuilder sb = new StringBuilder(b.length);
            Utf8Decoding.appendLossy(b, 0, b.length, sb);
            return List.of(sb.toString());
        }
    }

    /** The replacement character back to spaces; in the first token it is dropped unless the scheme is never. */
    record Metaspace(String replacement, PreTokenizer.PrependScheme prependScheme) implements TokenDecoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            int rep = replacement.codePointAt(0);
            for (int i = 0; i < tokens.size(); i++) {
                boolean dropAtStart = i == 0 && prependScheme != PreTokenizer.PrependScheme.NEVER;
                StringBuilder sb = new StringBuilder(tokens.get(i).length());
                tokens.get(i).codePoints().forEach(cp -> {
                    if (cp != rep) {
                        sb.appendCodePoint(cp);
                    } else if (!dropAtStart) {
                        sb.append(' ');
                    }
                });
                out.add(sb.toString());
            }
            return out;
        }
    }
}
