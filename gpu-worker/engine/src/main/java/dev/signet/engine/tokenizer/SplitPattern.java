package dev.signet.engine.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a splitting pre-tokenizer looks for, and the crate's {@code Pattern::find_matches}: spans covering
 * the whole text, each flagged as a match or not. Empty matches are kept (they still split the text) and
 * the empty pieces they produce are dropped later, as the crate does.
 */
sealed interface SplitPattern {

    /** Appends (start, end, isMatch ? 1 : 0) triples covering {@code text} to {@code spans}. */
    void findMatches(String text, IdBuffer spans);

    /** A regex (tokenizer.json {@code {"Regex": ...}}) or an escaped literal ({@code {"String": ...}}). */
    record Regex(Pattern pattern) implements SplitPattern {
        static Regex literal(String s) {
            return new Regex(Pattern.compile(Pattern.quote(s)));
        }

        @Override
        public void findMatches(String text, IdBuffer spans) {
            if (text.isEmpty()) {
                add(spans, 0, 0, false);
                return;
            }
            int prev = 0;
            Matcher m = pattern.matcher(text);
            while (m.find()) {
                if (prev != m.start()) {
                    add(spans, prev, m.start(), false);
                }
                add(spans, m.start(), m.end(), true);
                prev = m.end();
            }
            if (prev != text.length()) {
                add(spans, prev, text.length(), false);
            }
        }
    }

    /** Every character satisfying a predicate is a match of its own (the crate's {@code Fn(char) -> bool}). */
    record CharClass(java.util.function.IntPredicate predicate) implements SplitPattern {
        @Override
        public void findMatches(String text, IdBuffer spans) {
            int lastOffset = 0;
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                int end = i + Character.charCount(cp);
                if (predicate.test(cp)) {
                    if (lastOffset < i) {
                        add(spans, lastOffset, i, false);
                    }
                    add(spans, i, end, true);
                    lastOffset = end;
                }
                i = end;
            }
            if (text.length() > lastOffset) {
                add(spans, lastOffset, text.length(), false);
            }
        }
    }

    private static void add(IdBuffer spans, int start, int end, boolean match) {
        spans.add(start);
        spans.add(end);
        spans.add(match ? 1 : 0);
    }
}
