package dev.signet.engine.tokenizer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tokenizers crate's normalizers that Llama-family tokenizer.json files use, applied to each stretch of
 * input between added tokens before pre-tokenization. Unknown types (and sentencepiece's Precompiled
 * charsmap) are rejected when tokenizer.json is read.
 */
sealed interface TextNormalizer {

    String normalize(String text);

    record Sequence(List<TextNormalizer> normalizers) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            for (TextNormalizer n : normalizers) {
                text = n.normalize(text);
            }
            return text;
        }
    }

    /** Prepends a string to non-empty text (the legacy Llama "▁" dummy prefix). */
    record Prepend(String prepend) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return text.isEmpty() ? text : prepend + text;
        }
    }

    /**
     * Replaces every match of a literal ({@code regex == null}) or regex with {@code content}; also the
     * Replace decoder's rule. Literals skip the regex engine: the decoder runs this on every token.
     */
    record Replace(String literal, Pattern regex, String content) implements TextNormalizer {
        static Replace literal(String literal, String content) {
            return new Replace(literal, null, content);
        }

        static Replace regex(Pattern regex, String content) {
            return new Replace(null, regex, content);
        }

        @Override
        public String normalize(String text) {
            if (literal != null) {
                return text.replace(literal, content);
            }
            return regex.matcher(text).replaceAll(Matcher.quoteReplacement(content));
        }
    }

    /** NFC, NFD, NFKC or NFKD. */
    record Unicode(java.text.Normalizer.Form form) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return java.text.Normalizer.normalize(text, form);
        }
    }

    /** Strips Unicode whitespace from either end. */
    record Strip(boolean left, boolean right) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            int start = 0;
            int end = text.length();
            while (left && start < end && RustCharClasses.isWhitespace(text.codePointAt(start))) {
                start += Character.charCount(text.codePointAt(start));
            }
            while (right && end > start && RustCharClasses.isWhitespace(text.codePointBefore(end))) {
                end -= Character.charCount(text.codePointBefore(end));
            }
            return text.substring(start, end);
        }
    }
}
