package dev.signet.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * What a split does with the matched delimiters (the crate's {@code SplitDelimiterBehavior}), ported fold
 * for fold from {@code NormalizedString::split} so edge cases (consecutive matches, a match at either end)
 * come out the same.
 */
enum SplitBehavior {
    REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

    static SplitBehavior fromJson(String name) {
        return switch (name) {
            case "Removed" -> REMOVED;
            case "Isolated" -> ISOLATED;
            case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> MERGED_WITH_NEXT;
            case "Contiguous" -> CONTIGUOUS;
            default -> null;
        };
    }

    /** Splits {@code piece} at the spans {@code pattern} finds; empty results are dropped. */
    void split(PreToken piece, SplitPattern pattern, boolean invert, List<PreToken> out) {
        String text = piece.text();
        IdBuffer spans = new IdBuffer(32);
        pattern.findMatches(text, spans);
        int count = spans.size() / 3;
        int[] s = spans.array();
        if (this == ISOLATED || this == REMOVED) {
            // The common case (Llama 3's regex split): no merging, so emit straight from the spans.
            for (int k = 0; k < count; k++) {
                boolean match = (s[3 * k + 2] == 1) != invert;
                if (!(this == REMOVED && match)) {
                    emit(piece, s[3 * k], s[3 * k + 1], out);
                }
            }
            return;
        }
        List<int[]> pieces = new ArrayList<>(count); // (start, end) after merging delimiters
        boolean previousMatch = false;
        switch (this) {
            case CONTIGUOUS -> {
                for (int k = 0; k < count; k++) {
                    boolean match = (s[3 * k + 2] == 1) != invert;
                    if (match == previousMatch && !pieces.isEmpty()) {
                        pieces.getLast()[1] = s[3 * k + 1];
                    } else {
                        pieces.add(new int[] {s[3 * k], s[3 * k + 1]});
                    }
                    previousMatch = match;
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                for (int k = 0; k < count; k++) {
                    boolean match = (s[3 * k + 2] == 1) != invert;
                    if (match && !previousMatch && !pieces.isEmpty()) {
                        pieces.getLast()[1] = s[3 * k + 1];
                    } else {
                        pieces.add(new int[] {s[3 * k], s[3 * k + 1]});
                    }
                    previousMatch = match;
                }
            }
            default -> { // MERGED_WITH_NEXT
                for (int k = count - 1; k >= 0; k--) {
                    boolean match = (s[3 * k + 2] == 1) != invert;
                    if (match && !previousMatch && !pieces.isEmpty()) {
                        pieces.getLast()[0] = s[3 * k];
                    } else {
                        pieces.add(new int[] {s[3 * k], s[3 * k + 1]});
                    }
                    previousMatch = match;
                }
                java.util.Collections.reverse(pieces);
            }
        }
        for (int[] p : pieces) {
            emit(piece, p[0], p[1], out);
        }
    }

    private static void emit(PreToken piece, int start, int end, List<PreToken> out) {
        if (end > start) {
            out.add(new PreToken(piece.text().substring(start, end), piece.atInputStart() && start == 0));
        }
    }
}
