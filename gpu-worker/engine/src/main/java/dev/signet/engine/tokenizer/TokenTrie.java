package dev.signet.engine.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * Finds literal tokens (added tokens, special pieces, user-defined pieces) in text with leftmost-longest
 * semantics, like the aho-corasick automaton ({@code MatchKind::LeftmostLongest}) the tokenizers crate
 * builds: scanning left to right, the longest token starting at the first position where any starts.
 * Tokens are matched on UTF-16 units, which for whole well-formed strings finds the same matches as bytes.
 */
final class TokenTrie {
    private static final class Node {
        final Map<Character, Node> children = new HashMap<>(4);
        int value = -1;
    }

    private final Node root = new Node();
    private final boolean[] firstChars = new boolean[65536];
    private int size;

    /** Adds {@code token} with a non-negative value; a repeated token keeps the first value. */
    void add(String token, int value) {
        if (token.isEmpty()) {
            return;
        }
        Node node = root;
        for (int i = 0; i < token.length(); i++) {
            node = node.children.computeIfAbsent(token.charAt(i), c -> new Node());
        }
        if (node.value < 0) {
            node.value = value;
            size++;
        }
        firstChars[token.charAt(0)] = true;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /**
     * The longest token starting exactly at {@code start}, as {@code (end << 32) | value}, or -1.
     */
    long longestAt(CharSequence text, int start, int end) {
        if (!firstChars[text.charAt(start)]) {
            return -1;
        }
        Node node = root;
        long best = -1;
        for (int i = start; i < end; i++) {
            node = node.children.get(text.charAt(i));
            if (node == null) {
                break;
            }
            if (node.value >= 0) {
                best = ((long) (i + 1) << 32) | node.value;
            }
        }
        return best;
    }

    /** Whether any token can start with {@code c}: a cheap filter before {@link #longestAt}. */
    boolean mayStartWith(char c) {
        return firstChars[c];
    }
}
