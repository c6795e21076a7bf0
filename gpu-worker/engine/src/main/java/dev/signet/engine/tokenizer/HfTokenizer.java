package dev.signet.engine.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * A Hugging Face fast tokenizer ({@code tokenizer.json}) with a BPE model, reproducing the Rust tokenizers
 * crate's pipeline: split on added tokens, normalize, split on normalized added tokens, pre-tokenize, BPE
 * each piece; decoding drops special tokens and runs the decoder chain. Covers SentencePiece-converted
 * Llama tokenizers (Metaspace, byte_fallback) and byte-level ones (Llama 3: regex Split + ByteLevel,
 * ignore_merges). Immutable apart from the thread-safe word cache.
 */
public final class HfTokenizer implements Tokenizer {
    private final AddedVocabulary added;
    private final TextNormalizer normalizer; // null: none
    private final PreTokenizer preTokenizer; // null: the whole stretch is one word
    private final BpeModel model;
    private final TokenDecoder decoder; // null: tokens joined with spaces, as the crate does
    private final boolean decoderFusesByteRuns;
    private final int vocabSize;
    private final String[] tokenById; // added-token content over the model's entry, as the crate's id_to_token
    private final boolean[] special;
    private final OptionalInt bos;
    private final OptionalInt eos;
    private final boolean addBos;

    HfTokenizer(AddedVocabulary added, TextNormalizer normalizer, PreTokenizer preTokenizer, BpeModel model,
            TokenDecoder decoder, OptionalInt bos, OptionalInt eos, boolean addBos) {
        this.added = added;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.decoder = decoder;
        this.decoderFusesByteRuns = containsByteFallback(decoder);
        this.vocabSize = Math.max(model.size(), added.maxId() + 1);
        this.tokenById = new String[vocabSize];
        this.special = new boolean[vocabSize];
        for (int id = 0; id < vocabSize; id++) {
            String content = added.contentOf(id);
            tokenById[id] = content != null ? content : model.token(id);
            special[id] = tokenById[id] != null && added.isSpecialContent(tokenById[id]);
        }
        this.bos = bos;
        this.eos = eos;
        this.addBos = addBos;
    }

    /** Reads {@code tokenizer.json}, with the settings of an optional tokenizer_config.json. */
    public static HfTokenizer load(Path tokenizerJson, TokenizerConfig config) {
        return TokenizerJsonReader.read(tokenizerJson, config);
    }

    private static boolean containsByteFallback(TokenDecoder d) {
        if (d instanceof TokenDecoder.ByteFallback) {
            return true;
        }
        if (d instanceof TokenDecoder.Sequence(List<TokenDecoder> steps)) {
            return steps.stream().anyMatch(HfTokenizer::containsByteFallback);
        }
        return false;
    }

    @Override
    public int[] encode(String text) {
        IdBuffer out = new IdBuffer(text.length() / 3 + 8);
        List<PreToken> words = new ArrayList<>();
        for (AddedVocabulary.Segment segment : added.split(text, false)) {
            if (segment.tokenId() >= 0) {
                out.add(segment.tokenId());
                continue;
            }
            String part = text.substring(segment.start(), segment.end());
            String normalized = normalizer == null ? part : normalizer.normalize(part);
            for (AddedVocabulary.Segment inner : added.split(normalized, true)) {
                if (inner.tokenId() >= 0) {
                    out.add(inner.tokenId());
                    continue;
                }
                PreToken piece = new PreToken(normalized.substring(inner.start(), inner.end()),
                        segment.start() == 0 && inner.start() == 0);
                if (preTokenizer == null) {
                    model.tokenize(piece.text(), out);
                } else {
                    words.clear();
                    preTokenizer.split(piece, words);
                    for (PreToken word : words) {
                        model.tokenize(word.text(), out);
                    }
                }
            }
        }
        return out.toArray();
    }

    @Override
    public String decode(int[] ids) {
        return decodeRange(ids, 0, ids.length);
    }

    private String decodeRange(int[] ids, int from, int to) {
        List<String> tokens = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            int id = ids[i];
            String token = tokenOf(id);
            if (token != null && !special[id]) {
                tokens.add(token);
            }
        }
        if (decoder == null) {
            return String.join(" ", tokens);
        }
        return String.join("", decoder.decodeChain(tokens));
    }

    private String tokenOf(int id) {
        return id >= 0 && id < vocabSize ? tokenById[id] : null;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public String piece(int id) {
        String token = tokenOf(id);
        if (token == null) {
            throw new IllegalArgumentException("no token with id " + id + " (vocabulary size " + vocabSize + ")");
        }
        return token;
    }

    @Override
    public OptionalInt tokenId(String piece) {
        Integer id = added.idOf(piece);
        if (id == null) {
            id = model.id(piece);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public boolean isSpecial(int id) {
        return id >= 0 && id < vocabSize && special[id];
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
            /** The crate decodes the same way wherever the ids start: the window's own start is symmetric. */
            @Override
            public String decodeWindow(int[] ids, int from, int to, boolean atTextStart) {
                return decodeRange(ids, from, to);
            }

            /** A byte token may still turn its whole run into U+FFFDs under the ByteFallback decoder. */
            @Override
            public boolean mayRewriteAfter(int id) {
                String token = tokenOf(id);
                return decoderFusesByteRuns && token != null && BytePieces.byteOf(token) >= 0;
            }
        }, promptIds);
    }
}
