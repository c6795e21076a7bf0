package dev.signet.engine.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A parsed sentencepiece {@code tokenizer.model} ({@code ModelProto} from sentencepiece_model.proto): the
 * pieces with their scores and types, and the trainer and normalizer settings encoding depends on. Absent
 * fields take the proto's declared defaults (model_type UNIGRAM, unk 0, bos 1, eos 2, pad -1,
 * add_dummy_prefix / remove_extra_whitespaces / escape_whitespaces true). {@link #read} validates what
 * sentencepiece itself validates when loading (unique pieces, one unknown piece, byte pieces only with
 * byte_fallback) so a bad file fails at load, not mid-request.
 *
 * @param pieces     the vocabulary; a piece's id is its index
 * @param trainer    the trainer_spec fields that affect encoding
 * @param normalizer the normalizer_spec
 */
public record SentencePieceModel(List<Piece> pieces, TrainerSpec trainer, NormalizerSpec normalizer) {

    public SentencePieceModel {
        pieces = List.copyOf(pieces);
    }

    /** ModelProto.SentencePiece.Type. */
    public enum PieceType {
        NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

        final int code;

        PieceType(int code) {
            this.code = code;
        }

        static PieceType of(int code) {
            for (PieceType t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }
    }

    /** TrainerSpec.ModelType. */
    public enum ModelType {
        UNIGRAM(1), BPE(2), WORD(3), CHAR(4);

        final int code;

        ModelType(int code) {
            this.code = code;
        }

        static ModelType of(int code) {
            for (ModelType t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }
    }

    /** One vocabulary entry. */
    public record Piece(String piece, float score, PieceType type) {}

    /**
     * TrainerSpec fields used at encoding time (field numbers in brackets): model_type [3],
     * treat_whitespace_as_suffix [24], byte_fallback [35], unk_id [40], bos_id [41], eos_id [42], pad_id [43].
     */
    public record TrainerSpec(ModelType modelType, boolean treatWhitespaceAsSuffix, boolean byteFallback,
            int unkId, int bosId, int eosId, int padId) {}

    /**
     * NormalizerSpec: name [1], precompiled_charsmap [2], add_dummy_prefix [3], remove_extra_whitespaces [4],
     * escape_whitespaces [5].
     */
    public record NormalizerSpec(String name, byte[] precompiledCharsmap, boolean addDummyPrefix,
            boolean removeExtraWhitespaces, boolean escapeWhitespaces) {}

    /** Reads and validates a {@code tokenizer.model} file. */
    public static SentencePieceModel read(Path file) {
        return parse(TokenizerFiles.readBytes(file), file);
    }

    /** Parses ModelProto bytes; {@code source} names the file in error messages. */
    public static SentencePieceModel parse(byte[] bytes, Path source) {
        ProtobufReader in = new ProtobufReader(bytes, source);
        List<Piece> pieces = new ArrayList<>();
        TrainerSpec trainer = null;
        NormalizerSpec normalizer = null;
        while (in.hasMore()) {
            int tag = in.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    in.expect(tag, ProtobufReader.LENGTH_DELIMITED, "pieces");
                    pieces.add(parsePiece(in.readMessage("piece " + pieces.size()), pieces.size(), in));
                }
                case 2 -> {
                    in.expect(tag, ProtobufReader.LENGTH_DELIMITED, "trainer_spec");
                    trainer = parseTrainer(in.readMessage("trainer_spec"));
                }
                case 3 -> {
                    in.expect(tag, ProtobufReader.LENGTH_DELIMITED, "normalizer_spec");
                    normalizer = parseNormalizer(in.readMessage("normalizer_spec"));
                }
                default -> in.skip(tag);
            }
        }
        if (trainer == null) {
            // Every field at its default: model_type UNIGRAM, which the check below rejects.
            trainer = new TrainerSpec(ModelType.UNIGRAM, false, false, 0, 1, 2, -1);
        }
        if (normalizer == null) {
            normalizer = new NormalizerSpec("", new byte[0], true, true, true);
        }
        SentencePieceModel model = new SentencePieceModel(pieces, trainer, normalizer);
        model.validate(source);
        return model;
    }

    private static Piece parsePiece(ProtobufReader in, int index, ProtobufReader outer) {
        String piece = null;
        float score = 0f;
        int type = PieceType.NORMAL.code;
        while (in.hasMore()) {
            int tag = in.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    in.expect(tag, ProtobufReader.LENGTH_DELIMITED, "piece " + index + " text");
                    piece = in.readString("piece " + index + " text");
                }
                case 2 -> {
                    in.expect(tag, ProtobufReader.FIXED32, "piece " + index + " score");
                    score = in.readFloat("piece " + index + " score");
                }
                case 3 -> {
                    in.expect(tag, ProtobufReader.VARINT, "piece " + index + " type");
                    type = in.readInt32("piece " + index + " type");
                }
                default -> in.skip(tag);
            }
        }
        if (piece == null) {
            throw outer.error("piece " + index + " has no text");
        }
        PieceType t = PieceType.of(type);
        if (t == null) {
            throw outer.error("piece " + index + " '" + piece + "' has unknown type " + type);
        }
        return new Piece(piece, score, t);
    }

    private static TrainerSpec parseTrainer(ProtobufReader in) {
        int modelType = ModelType.UNIGRAM.code;
        boolean suffix = false;
        boolean byteFallback = false;
        int unk = 0;
        int bos = 1;
        int eos = 2;
        int pad = -1;
        while (in.hasMore()) {
            int tag = in.readTag();
            int field = tag >>> 3;
            switch (field) {
                case 3, 24, 35, 40, 41, 42, 43 -> in.expect(tag, ProtobufReader.VARINT, "trainer_spec field " + field);
                default -> {
                    in.skip(tag);
                    continue;
                }
            }
            switch (field) {
                case 3 -> modelType = in.readInt32("trainer_spec.model_type");
                case 24 -> suffix = in.readBool("trainer_spec.treat_whitespace_as_suffix");
                case 35 -> byteFallback = in.readBool("trainer_spec.byte_fallback");
                case 40 -> unk = in.readInt32("trainer_spec.unk_id");
                case 41 -> bos = in.readInt32("trainer_spec.bos_id");
                case 42 -> eos = in.readInt32("trainer_spec.eos_id");
                case 43 -> pad = in.readInt32("trainer_spec.pad_id");
                default -> throw new AssertionError(field);
            }
        }
        ModelType type = ModelType.of(modelType);
        if (type == null) {
            throw in.error("trainer_spec.model_type " + modelType + " is not a known sentencepiece model type");
        }
        return new TrainerSpec(type, suffix, byteFallback, unk, bos, eos, pad);
    }

    private static NormalizerSpec parseNormalizer(ProtobufReader in) {
        String name = "";
        byte[] charsmap = new byte[0];
        boolean dummyPrefix = true;
        boolean removeExtra = true;
        boolean escape = true;
        while (in.hasMore()) {
            int tag = in.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    in.expect(tag, ProtobufReader.LENGTH_DELIMITED, "normalizer_spec.name");
                    name = in.readString("normalizer_spec.name");
                }
                case 2 -> {
                    in.expect(tag, ProtobufReader.LENGTH_DELIMITED, "normalizer_spec.precompiled_charsmap");
                    charsmap = in.readBytes("normalizer_spec.precompiled_charsmap");
                }
                case 3 -> {
                    in.expect(tag, ProtobufReader.VARINT, "normalizer_spec.add_dummy_prefix");
                    dummyPrefix = in.readBool("normalizer_spec.add_dummy_prefix");
                }
                case 4 -> {
                    in.expect(tag, ProtobufReader.VARINT, "normalizer_spec.remove_extra_whitespaces");
                    removeExtra = in.readBool("normalizer_spec.remove_extra_whitespaces");
                }
                case 5 -> {
                    in.expect(tag, ProtobufReader.VARINT, "normalizer_spec.escape_whitespaces");
                    escape = in.readBool("normalizer_spec.escape_whitespaces");
                }
                default -> in.skip(tag);
            }
        }
        return new NormalizerSpec(name, charsmap, dummyPrefix, removeExtra, escape);
    }

    private void validate(Path source) {
        if (trainer.modelType() != ModelType.BPE) {
            throw new TokenizerException(source, "trainer_spec.model_type is " + trainer.modelType()
                    + "; only BPE sentencepiece models are supported");
        }
        if (trainer.treatWhitespaceAsSuffix()) {
            throw new TokenizerException(source, "trainer_spec.treat_whitespace_as_suffix is set; not supported");
        }
        if (normalizer.precompiledCharsmap().length > 0) {
            throw new TokenizerException(source, "normalizer_spec uses normalization rule '" + normalizer.name()
                    + "' (a " + normalizer.precompiledCharsmap().length
                    + "-byte precompiled_charsmap); only the identity rule (empty charsmap) is supported");
        }
        if (pieces.isEmpty()) {
            throw new TokenizerException(source, "model has no pieces");
        }
        Set<String> normal = new HashSet<>();
        Set<String> reserved = new HashSet<>();
        int unknowns = 0;
        boolean[] bytePieces = new boolean[256];
        for (int id = 0; id < pieces.size(); id++) {
            Piece p = pieces.get(id);
            if (p.piece().isEmpty()) {
                throw new TokenizerException(source, "piece " + id + " is empty");
            }
            boolean isNormal = p.type() == PieceType.NORMAL || p.type() == PieceType.USER_DEFINED
                    || p.type() == PieceType.UNUSED;
            if (!(isNormal ? normal : reserved).add(p.piece())) {
                throw new TokenizerException(source, "piece " + id + " '" + p.piece() + "' is defined twice");
            }
            if (p.type() == PieceType.UNKNOWN) {
                unknowns++;
            }
            if (p.type() == PieceType.BYTE) {
                if (!trainer.byteFallback()) {
                    throw new TokenizerException(source, "byte piece " + id + " '" + p.piece()
                            + "' is present although trainer_spec.byte_fallback is false");
                }
                int b = BytePieces.byteOf(p.piece());
                if (b < 0) {
                    throw new TokenizerException(source, "byte piece " + id + " '" + p.piece()
                            + "' is not of the form <0xXX>");
                }
                if (bytePieces[b]) {
                    throw new TokenizerException(source, "byte piece " + id + " '" + p.piece() + "' repeats byte "
                            + BytePieces.pieceOf(b));
                }
                bytePieces[b] = true;
            }
        }
        if (unknowns != 1) {
            throw new TokenizerException(source, "model must have exactly one UNKNOWN piece, found " + unknowns);
        }
        for (int b = 0; trainer.byteFallback() && b < 256; b++) {
            if (!bytePieces[b]) {
                throw new TokenizerException(source, "trainer_spec.byte_fallback is set but byte piece "
                        + BytePieces.pieceOf(b) + " is missing");
            }
        }
    }
}
