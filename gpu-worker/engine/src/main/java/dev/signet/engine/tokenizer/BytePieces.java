package dev.signet.engine.tokenizer;

/** The byte-fallback vocabulary entries {@code <0x00>} .. {@code <0xFF>} of SentencePiece-style tokenizers. */
final class BytePieces {
    private static final String HEX = "0123456789ABCDEF";

    private BytePieces() {}

    /** The byte a {@code <0xXX>} piece stands for (6 characters, "<0x", two hex digits, ">"), or -1. */
    static int byteOf(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(piece.charAt(3), 16);
        int lo = Character.digit(piece.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** The canonical piece for byte b, e.g. {@code <0x0A>}. */
    static String pieceOf(int b) {
        return "<0x" + HEX.charAt(b >> 4) + HEX.charAt(b & 15) + ">";
    }
}
