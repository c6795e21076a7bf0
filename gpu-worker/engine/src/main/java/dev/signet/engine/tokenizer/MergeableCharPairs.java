package dev.signet.engine.tokenizer;

/**
 * The adjacent character pairs that occur inside some piece BPE can produce. Symbols only ever grow by
 * merging with a neighbour, so a symbol spanning the boundary between characters a and b would contain
 * "ab"; if no producible piece does, no merge ever crosses that boundary and the two sides can be merged
 * independently with the same result. A whole document that is one word (Metaspace without splitting,
 * sentencepiece) then splits into short runs, mostly before each "▁".
 */
final class MergeableCharPairs {
    private final MergeTable pairs = new MergeTable(1024); // used as a set of (left, right) code points

    void addPiece(String piece) {
        int prev = -1;
        for (int i = 0; i < piece.length(); ) {
            int cp = piece.codePointAt(i);
            if (prev >= 0) {
                pairs.put(prev, cp, 0, 0);
            }
            prev = cp;
            i += Character.charCount(cp);
        }
    }

    /** Whether some merge may join a symbol ending in {@code left} with one starting with {@code right}. */
    boolean mayJoin(int left, int right) {
        return pairs.find(left, right) >= 0;
    }
}
