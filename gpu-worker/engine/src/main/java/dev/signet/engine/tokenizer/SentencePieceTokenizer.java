package dev.signet.engine.tokenizer;

import dev.signet.engine.tokenizer.SentencePieceModel.Piece;
import dev.signet.engine.tokenizer.SentencePieceModel.PieceType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A sentencepiece BPE tokenizer ({@code tokenizer.model}), reproducing sentencepiece's
 * {@code SentencePieceProcessor::Encode}/{@code Decode}: identity normalization (see
 * {@link SentencePieceNormalizer}), user-defined pieces matched whole before BPE, BPE that repeatedly merges
 * the adjacent pair whose concatenation is the highest-scoring piece (leftmost on ties), resegmentation of
 * UNUSED pieces, and unknown characters written as {@code <0xXX>} byte pieces (byte_fallback) or one merged
 * unknown piece.
 *
 * <p>Beyond sentencepiece, and as Hugging Face's sentencepiece-backed tokenizers do, control and unknown
 * pieces typed literally in the text ({@code "<s>"}) are recognised; the text between them is encoded piece
 * by piece, each with its own dummy prefix (what Meta's Llama 2 reference code does when it encodes dialog
 * turns separately). Decoding skips control and unknown pieces (HF {@code skip_special_tokens=True}).
 */
public final class SentencePieceTokenizer implements Tokenizer {
    private final String[] pieces;
    private final PieceType[] types;
    /** sentencepiece's {@code pieces_}: NORMAL, USER_DEFINED and UNUSED pieces, the ones BPE may produce. */
    private final Map<String, Integer> normalPieces;
    /** sentencepiece's {@code reserved_id_map_}: CONTROL, UNKNOWN and BYTE pieces. */
    private final Map<String, Integer> reservedPieces;
    private final int unkId;
    private final boolean byteFallback;
    private final int[] byteIds = new int[256]; // byte → id of its <0xXX> piece
    private final int[] byteOfId; // id → byte for BYTE pieces, else -1
    private final MergeTable merges;
    /**
     * Symbol id of each single character: its piece id, a synthetic id (>= pieces.length) when the character
     * is not a piece but is half of some piece, or -1 when it can never merge.
     */
    private final int[] bmpSymbols;
    private final Map<Integer, Integer> supplementarySymbols;
    private final int[] syntheticCodePoints;
    private final boolean hasUnused;
    /** Where merges can never cross; null when the model has UNUSED pieces (their resegmentation is global). */
    private final MergeableCharPairs joinable;
    private final TokenTrie userDefined = new TokenTrie();
    private final TokenTrie literalSpecials = new TokenTrie();
    private final SentencePieceNormalizer normalizer;
    private final boolean stripsLeadingSpace;
    private final boolean removeExtraWhitespaces;
    private final OptionalInt bos;
    private final OptionalInt eos;
    private final boolean addBos;

    /** Loads {@code tokenizer.model} with the settings of an optional tokenizer_config.json. */
    public static SentencePieceTokenizer load(Path modelFile, TokenizerConfig config) {
        return new SentencePieceTokenizer(SentencePieceModel.read(modelFile), config, modelFile);
    }

    /**
     * @param source names the model file in errors (a config token that is not in the vocabulary)
     */
    public SentencePieceTokenizer(SentencePieceModel model, TokenizerConfig config, Path source) {
        List<Piece> list = model.pieces();
        int n = list.size();
        pieces = new String[n];
        types = new PieceType[n];
        normalPieces = new HashMap<>(n * 2);
        reservedPieces = new HashMap<>();
        byteOfId = new int[n];
        Arrays.fill(byteOfId, -1);
        Arrays.fill(byteIds, -1);
        int unk = -1;
        boolean unused = false;
        for (int id = 0; id < n; id++) {
            Piece p = list.get(id);
            pieces[id] = p.piece();
            types[id] = p.type();
            switch (p.type()) {
                case NORMAL, USER_DEFINED, UNUSED -> normalPieces.put(p.piece(), id);
                case CONTROL, UNKNOWN, BYTE -> reservedPieces.put(p.piece(), id);
            }
            switch (p.type()) {
                case USER_DEFINED -> userDefined.add(p.piece(), id);
                case UNUSED -> unused = true;
                case UNKNOWN -> {
                    unk = id;
                    literalSpecials.add(p.piece(), id);
                }
                case CONTROL -> literalSpecials.add(p.piece(), id);
                case BYTE -> {
                    int b = BytePieces.byteOf(p.piece());
                    byteOfId[id] = b;
                    byteIds[b] = id;
                }
                case NORMAL -> { }
            }
        }
        unkId = unk;
        hasUnused = unused;
        byteFallback = model.trainer().byteFallback();
        normalizer = new SentencePieceNormalizer(model.normalizer());
        // sentencepiece strips the dummy-prefix space when decoding if either option could have added or
        // removed it (Decode's is_bos_ws rule).
        stripsLeadingSpace = model.normalizer().addDummyPrefix() || model.normalizer().removeExtraWhitespaces();
        removeExtraWhitespaces = model.normalizer().removeExtraWhitespaces();

        Map<Integer, Integer> synthetic = new HashMap<>();
        merges = buildMerges(list, synthetic);
        if (hasUnused) {
            joinable = null;
        } else {
            joinable = new MergeableCharPairs();
            normalPieces.keySet().forEach(joinable::addPiece);
        }
        bmpSymbols = new int[65536];
        Arrays.fill(bmpSymbols, -1);
        supplementarySymbols = new HashMap<>();
        syntheticCodePoints = new int[synthetic.size()];
        for (Map.Entry<Integer, Integer> e : synthetic.entrySet()) {
            setSymbol(e.getKey(), e.getValue());
            syntheticCodePoints[e.getValue() - n] = e.getKey();
        }
        for (Map.Entry<String, Integer> e : normalPieces.entrySet()) {
            String s = e.getKey();
            if (s.codePointCount(0, s.length()) == 1) {
                setSymbol(s.codePointAt(0), e.getValue());
            }
        }

        bos = configuredId(config.bosToken().orElse(null), "bos_token", model.trainer().bosId(), source);
        eos = configuredId(config.eosToken().orElse(null), "eos_token", model.trainer().eosId(), source);
        addBos = config.addBosToken().orElse(true);
    }

    private void setSymbol(int cp, int id) {
        if (cp < 65536) {
            bmpSymbols[cp] = id;
        } else {
            supplementarySymbols.put(cp, id);
        }
    }

    private int symbolOf(int cp) {
        if (cp < 65536) {
            return bmpSymbols[cp];
        }
        return supplementarySymbols.getOrDefault(cp, -1);
    }

    /**
     * Every way two symbols can merge: for each piece BPE may produce and each split into two halves that
     * can themselves be symbols (a piece, or a single character), (left, right) → piece, ranked by score.
     */
    private MergeTable buildMerges(List<Piece> list, Map<Integer, Integer> synthetic) {
        float[] scores = new float[normalPieces.size()];
        int k = 0;
        for (int id : normalPieces.values()) {
            scores[k++] = list.get(id).score() + 0.0f; // folds -0.0 into 0.0: C++ compares them equal
        }
        Arrays.sort(scores);
        MergeTable table = new MergeTable(normalPieces.size() * 4);
        for (int id : normalPieces.values()) {
            String p = pieces[id];
            if (p.codePointCount(0, p.length()) < 2) {
                continue;
            }
            // Higher score merges first; equal scores share a rank and fall back to position (leftmost).
            int rank = scores.length - 1 - lastIndexOf(scores, list.get(id).score() + 0.0f);
            for (int split = p.offsetByCodePoints(0, 1); split < p.length(); split = p.offsetByCodePoints(split, 1)) {
                int left = symbolFor(p.substring(0, split), synthetic);
                int right = symbolFor(p.substring(split), synthetic);
                if (left >= 0 && right >= 0) {
                    table.put(left, right, rank, id);
                }
            }
        }
        return table;
    }

    private static int lastIndexOf(float[] sorted, float value) {
        int i = Arrays.binarySearch(sorted, value);
        while (i + 1 < sorted.length && sorted[i + 1] == value) {
            i++;
        }
        return i;
    }

    private int symbolFor(String s, Map<Integer, Integer> synthetic) {
        Integer id = normalPieces.get(s);
        if (id != null) {
            return id;
        }
        if (s.codePointCount(0, s.length()) == 1) {
            return synthetic.computeIfAbsent(s.codePointAt(0), cp -> pieces.length + synthetic.size());
        }
        return -1;
    }

    private OptionalInt configuredId(String content, String field, int trainerId, Path source) {
        if (content != null) {
            OptionalInt id = tokenId(content);
            if (id.isEmpty()) {
                throw new TokenizerException(source, "tokenizer_config.json " + field + " '" + content
                        + "' is not a piece of this model");
            }
            return id;
        }
        return trainerId >= 0 && trainerId < pieces.length ? OptionalInt.of(trainerId) : OptionalInt.empty();
    }

    // ---------------------------------------------------------------- encoding

    @Override
    public int[] encode(String text) {
        IdBuffer out = new IdBuffer(text.length() / 3 + 8);
        int chunkStart = 0;
        for (int i = 0; i < text.length(); ) {
            if (literalSpecials.mayStartWith(text.charAt(i))) {
                long match = literalSpecials.longestAt(text, i, text.length());
                if (match >= 0) {
                    encodeChunk(text.substring(chunkStart, i), out);
                    out.add((int) match);
                    i = chunkStart = (int) (match >>> 32);
                    continue;
                }
            }
            i++;
        }
        encodeChunk(text.substring(chunkStart), out);
        return out.toArray();
    }

    private void encodeChunk(String raw, IdBuffer out) {
        if (raw.isEmpty()) {
            return;
        }
        String s = normalizer.normalize(raw);
        int n = s.length();
        if (n == 0) {
            return;
        }
        int[] ids = new int[n];
        int[] starts = new int[n + 1];
        boolean[] frozen = userDefined.isEmpty() ? null : new boolean[n];
        int count = 0;
        for (int i = 0; i < n; ) {
            long match = frozen != null && userDefined.mayStartWith(s.charAt(i)) ? userDefined.longestAt(s, i, n) : -1;
            starts[count] = i;
            if (match >= 0) {
                frozen[count] = true;
                ids[count++] = (int) match;
                i = (int) (match >>> 32);
            } else {
                int cp = s.codePointAt(i);
                ids[count++] = symbolOf(cp);
                i += Character.charCount(cp);
            }
        }
        starts[count] = n;
        boolean[] cutBefore = null;
        if (joinable != null) {
            cutBefore = new boolean[count];
            for (int k = 1; k < count; k++) {
                cutBefore[k] = (frozen != null && (frozen[k - 1] || frozen[k]))
                        || !joinable.mayJoin(s.codePointBefore(starts[k]), s.codePointAt(starts[k]));
            }
        }
        int[] next = new int[count];
        Map<Integer, Long> splits = hasUnused ? new HashMap<>() : null;
        BpeWordMerger.mergeRuns(ids, count, cutBefore, merges, frozen, next, splits == null ? null : (left, right, merged) -> {
            if (types[merged] == PieceType.UNUSED) {
                // sentencepiece's rev_merge: the last pair seen forming the unused piece
                splits.put(merged, ((long) left << 32) | (right & 0xFFFF_FFFFL));
            }
        });
        boolean previousUnknown = false;
        for (int k = 0; k != -1; k = next[k]) {
            previousUnknown = ids[k] == -1
                    ? emitUnknownCharacter(s.codePointAt(starts[k]), out, previousUnknown)
                    : emit(ids[k], splits, out, previousUnknown);
        }
    }

    /** Writes one BPE symbol's ids; returns whether it was an unknown piece (for merging runs of them). */
    private boolean emit(int symbol, Map<Integer, Long> splits, IdBuffer out, boolean previousUnknown) {
        if (symbol >= 0 && symbol < pieces.length) {
            Long split = splits == null || types[symbol] != PieceType.UNUSED ? null : splits.get(symbol);
            if (split == null) {
                out.add(symbol);
                return false;
            }
            boolean unknown = emit((int) (split >> 32), splits, out, previousUnknown);
            return emit((int) (long) split, splits, out, unknown);
        }
        return emitUnknownCharacter(syntheticCodePoints[symbol - pieces.length], out, previousUnknown);
    }

    /** A character that is not a piece: sentencepiece's PieceToId, then byte fallback or the unknown piece. */
    private boolean emitUnknownCharacter(int cp, IdBuffer out, boolean previousUnknown) {
        String text = Character.toString(cp);
        Integer reserved = reservedPieces.get(text);
        int id = reserved != null ? reserved : unkId;
        boolean unknown = types[id] == PieceType.UNKNOWN;
        if (unknown && byteFallback) {
            byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            for (byte b : utf8) {
                out.add(byteIds[b & 0xFF]);
            }
        } else if (!(unknown && previousUnknown)) {
            out.add(id); // consecutive unknown characters become one unknown piece
        }
        return unknown;
    }

    // ---------------------------------------------------------------- decoding

    @Override
    public String decode(int[] ids) {
        int[] kept = new int[ids.length];
        int n = 0;
        for (int id : ids) {
            if (id >= 0 && id < pieces.length && !isSpecial(id)) {
                kept[n++] = id;
            }
        }
        return decodeRange(kept, 0, n, true);
    }

    /**
     * sentencepiece's Decode: byte pieces are gathered into runs and decoded character by character (one
     * U+FFFD per invalid byte), U+2581 becomes a space, and at the start of the text the leading U+2581 of
     * pieces is dropped while nothing has been written yet.
     */
    private String decodeRange(int[] ids, int from, int to, boolean atTextStart) {
        StringBuilder text = new StringBuilder((to - from) * 4);
        byte[] run = new byte[16];
        int runLength = 0;
        boolean expectBosSpace = atTextStart && stripsLeadingSpace;
        boolean bosSpaceSeen = false;
        for (int i = from; i < to; i++) {
            int id = ids[i];
            if (id < 0 || id >= pieces.length || isSpecial(id)) {
                continue;
            }
            int b = byteOfId[id];
            if (b >= 0) {
                if (runLength == run.length) {
                    run = Arrays.copyOf(run, run.length * 2);
                }
                run[runLength++] = (byte) b;
                continue;
            }
            Utf8Decoding.appendPerByte(run, 0, runLength, text);
            runLength = 0;
            if (bosSpaceSeen || !text.isEmpty()) {
                expectBosSpace = false;
            }
            String piece = pieces[id];
            boolean consumed = false;
            if (expectBosSpace && !piece.isEmpty() && piece.charAt(0) == SentencePieceNormalizer.SPACE_SYMBOL) {
                piece = piece.substring(1);
                // With remove_extra_whitespaces every leading space piece is dropped, not only the first.
                consumed = !removeExtraWhitespaces;
            }
            text.append(piece.replace(SentencePieceNormalizer.SPACE_SYMBOL, ' '));
            bosSpaceSeen = consumed;
        }
        Utf8Decoding.appendPerByte(run, 0, runLength, text);
        return text.toString();
    }

    // ---------------------------------------------------------------- vocabulary

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public String piece(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("no piece with id " + id + " (vocabulary has " + pieces.length + ")");
        }
        return pieces[id];
    }

    /** The piece's sentencepiece type. */
    public PieceType pieceType(int id) {
        piece(id);
        return types[id];
    }

    @Override
    public OptionalInt tokenId(String piece) {
        Integer id = reservedPieces.get(piece);
        if (id == null) {
            id = normalPieces.get(piece);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public boolean isSpecial(int id) {
        return id >= 0 && id < pieces.length && (types[id] == PieceType.CONTROL || types[id] == PieceType.UNKNOWN);
    }

    @Override
    public OptionalInt bosId() {
        return bos;
    }

    @Override
    public OptionalInt eosId() {
        return eos;
    }

    @Override
    public boolean addBos() {
        return addBos;
    }

    @Override
    public StreamingDecoder streamingDecoder(int[] promptIds) {
        return new StreamingDecoder(this, new WindowDecoding() {
            @Override
            public String decodeWindow(int[] ids, int from, int to, boolean atTextStart) {
                return decodeRange(ids, from, to, atTextStart);
            }

            @Override
            public boolean mayRewriteAfter(int id) {
                return false; // per-character byte decoding: only a trailing U+FFFD can change
            }
        }, promptIds);
    }
}
