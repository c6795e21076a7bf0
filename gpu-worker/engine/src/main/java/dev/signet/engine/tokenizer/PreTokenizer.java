package dev.signet.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The tokenizers crate's pre-tokenizers that Llama-family tokenizer.json files use: each one splits a piece
 * of normalized text into smaller pieces (and may rewrite them, as Metaspace and ByteLevel do) before the
 * BPE model sees them. Unknown types are rejected when tokenizer.json is read.
 */
sealed interface PreTokenizer {

    /** Appends the non-empty pieces {@code piece} splits into to {@code out}. */
    void split(PreToken piece, List<PreToken> out);

    /** When Metaspace prepends its replacement character. */
    enum PrependScheme {
        ALWAYS, FIRST, NEVER
    }

    /** Applies each step to every piece the previous step produced. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        @Override
        public void split(PreToken piece, List<PreToken> out) {
            List<PreToken> current = List.of(piece);
            for (PreTokenizer step : steps) {
                List<PreToken> next = new ArrayList<>(current.size() * 2);
                for (PreToken p : current) {
                    step.split(p, next);
                }
                current = next;
            }
            out.addAll(current);
        }
    }

    /**
     * SentencePiece-style spaces: every ' ' becomes the replacement (U+2581), which is prepended when the
     * piece does not already start with it (always, or only at the start of the input for "first"); with
     * {@code split} the piece is cut before each replacement character.
     */
    record Metaspace(String replacement, PrependScheme prependScheme, boolean split) implements PreTokenizer {
        @Override
        public void split(PreToken piece, List<PreToken> out) {
            String text = piece.text().replace(" ", replacement);
            boolean needsPrefix = !text.startsWith(replacement);
            if (needsPrefix && (prependScheme == PrependScheme.ALWAYS
                    || (prependScheme == PrependScheme.FIRST && piece.atInputStart()))) {
                text = replacement + text;
            }
            PreToken replaced = new PreToken(text, piece.atInputStart());
            if (!split) {
                if (!text.isEmpty()) {
                    out.add(replaced);
                }
                return;
            }
            int rep = replacement.codePointAt(0);
            SplitBehavior.MERGED_WITH_NEXT.split(replaced, new SplitPattern.CharClass(cp -> cp == rep), false, out);
        }
    }

    /**
     * GPT-2 byte-level pre-tokenization: optionally a leading space, optionally the GPT-2 regex split, then
     * every UTF-8 byte written as its {@link ByteLevelAlphabet} character.
     */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        static final SplitPattern GPT2 = new SplitPattern.Regex(Pattern.compile(
                "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
                Pattern.UNICODE_CHARACTER_CLASS));

        @Override
        public void split(PreToken piece, List<PreToken> out) {
            String text = piece.text();
            if (addPrefixSpace && !text.startsWith(" ")) {
                text = " " + text;
            }
            PreToken prefixed = new PreToken(text, piece.atInputStart());
            if (useRegex) {
                List<PreToken> words = new ArrayList<>();
                SplitBehavior.ISOLATED.split(prefixed, GPT2, false, words);
                for (PreToken w : words) {
                    out.add(new PreToken(ByteLevelAlphabet.encode(w.text()), w.atInputStart()));
                }
            } else if (!text.isEmpty()) {
                out.add(new PreToken(ByteLevelAlphabet.encode(text), piece.atInputStart()));
            }
        }
    }

    /** A regex or literal split with one of the crate's delimiter behaviours, optionally inverted. */
    record Split(SplitPattern pattern, SplitBehavior behavior, boolean invert) implements PreTokenizer {
        @Override
        public void split(PreToken piece, List<PreToken> out) {
            behavior.split(piece, pattern, invert, out);
        }
    }

    /** Digits apart from the rest: each digit alone, or runs of digits together. */
    record Digits(boolean individualDigits) implements PreTokenizer {
        private static final SplitPattern NUMERIC = new SplitPattern.CharClass(RustCharClasses::isNumeric);

        @Override
        public void split(PreToken piece, List<PreToken> out) {
            (individualDigits ? SplitBehavior.ISOLATED : SplitBehavior.CONTIGUOUS).split(piece, NUMERIC, false, out);
        }
    }
}
