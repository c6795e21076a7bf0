package dev.signet.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tokens of tokenizer.json's {@code added_tokens} and how the input is split on them before anything
 * else, as the crate's {@code AddedVocabulary} does: tokens with {@code normalized: false} are found in the
 * raw input, the others in each normalized stretch between them; leftmost-longest matching; a
 * {@code single_word} token only counts between non-word characters; {@code lstrip}/{@code rstrip} swallow
 * the whitespace beside the token.
 */
final class AddedVocabulary {

    /** One entry of {@code added_tokens}. */
    record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
            boolean normalized) {}

    /** A stretch of text, or an added token when {@code tokenId >= 0}. */
    record Segment(int start, int end, int tokenId) {}

    private final Map<String, Integer> idsByContent = new HashMap<>();
    private final Map<Integer, AddedToken> tokensById = new HashMap<>();
    private final Set<String> specialContents = new HashSet<>();
    private final TokenTrie rawTrie = new TokenTrie();
    private final TokenTrie normalizedTrie = new TokenTrie();

    AddedVocabulary(List<AddedToken> tokens, TextNormalizer normalizer) {
        for (AddedToken t : tokens) {
            idsByContent.put(t.content(), t.id());
            tokensById.put(t.id(), t);
            if (t.special()) {
                specialContents.add(t.content());
            }
        }
        // Special tokens first, as the crate chains them before the others; the trie keeps the first value.
        for (boolean special : new boolean[] {true, false}) {
            for (AddedToken t : tokens) {
                if (t.special() != special) {
                    continue;
                }
                if (t.normalized()) {
                    normalizedTrie.add(normalizer == null ? t.content() : normalizer.normalize(t.content()), t.id());
                } else {
                    rawTrie.add(t.content(), t.id());
                }
            }
        }
    }

    Integer idOf(String content) {
        return idsByContent.get(content);
    }

    /** The content of the added token with this id, or null. */
    String contentOf(int id) {
        AddedToken t = tokensById.get(id);
        return t == null ? null : t.content();
    }

    boolean isSpecialContent(String content) {
        return specialContents.contains(content);
    }

    int maxId() {
        int max = -1;
        for (int id : tokensById.keySet()) {
            max = Math.max(max, id);
        }
        return max;
    }

    /** Splits {@code text} on the non-normalized ({@code normalizedTokens == false}) or normalized tokens. */
    List<Segment> split(String text, boolean normalizedTokens) {
        TokenTrie trie = normalizedTokens ? normalizedTrie : rawTrie;
        List<Segment> out = new ArrayList<>();
        int length = text.length();
        if (trie.isEmpty()) {
            if (length > 0) {
                out.add(new Segment(0, length, -1));
            }
            return out;
        }
        int startOffset = 0;
        int i = 0;
        while (i < length) {
            long match = trie.mayStartWith(text.charAt(i)) ? trie.longestAt(text, i, length) : -1;
            if (match < 0) {
                i++;
                continue;
            }
            int start = i;
            int stop = (int) (match >>> 32);
            i = stop; // the automaton resumes after the match even when the match is discarded below
            AddedToken token = tokensById.get((int) match);
            if (token.singleWord()) {
                boolean spaceBefore = start == 0 || !RustCharClasses.isWordCharacter(text.codePointBefore(start));
                boolean spaceAfter = stop == length || !RustCharClasses.isWordCharacter(text.codePointAt(stop));
                if (!spaceBefore || !spaceAfter) {
                    continue;
                }
            }
            if (token.lstrip()) {
                int newStart = start;
                while (newStart > 0 && RustCharClasses.isWhitespace(text.codePointBefore(newStart))) {
                    newStart -= Character.charCount(text.codePointBefore(newStart));
                }
                start = Math.max(newStart, startOffset); // an earlier match may already own those spaces
            }
            if (token.rstrip()) {
                while (stop < length && RustCharClasses.isWhitespace(text.codePointAt(stop))) {
                    stop += Character.charCount(text.codePointAt(stop));
                }
                i = stop; // deviation: resume after the swallowed spaces so segments never overlap
            }
            if (startOffset < start) {
                out.add(new Segment(startOffset, start, -1));
            }
            out.add(new Segment(start, stop, token.id()));
            startOffset = stop;
        }
        if (startOffset != length) {
            out.add(new Segment(startOffset, length, -1));
        }
        return out;
    }
}
