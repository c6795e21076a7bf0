package dev.signet.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.engine.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Broken tokenizer files fail at load with a TokenizerException that names the file and the failed check. */
class MalformedTokenizerTest {
    @TempDir
    Path dir;

    static void assertRejected(Path dir, Path file, String... expectedParts) {
        TokenizerException e = assertThrows(TokenizerException.class, () -> TokenizerLoader.load(dir));
        String message = e.getMessage();
        assertTrue(message.contains(file.toString()), "names the file: " + message);
        for (String part : expectedParts) {
            assertTrue(message.contains(part), "says '" + part + "': " + message);
        }
    }

    // ---------------------------------------------------------------- tokenizer.model

    /** Just enough protobuf writing to build ModelProto variants. */
    static final class Proto {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            raw((long) field << 3);
            raw(value);
            return this;
        }

        Proto bytes(int field, byte[] value) {
            raw((long) field << 3 | 2);
            raw(value.length);
            out.writeBytes(value);
            return this;
        }

        Proto string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto value) {
            return bytes(field, value.out.toByteArray());
        }

        Proto piece(String piece, float score, int type) {
            Proto p = new Proto().string(1, piece);
            int bits = Float.floatToIntBits(score);
            p.raw(2 << 3 | 5);
            p.out.write(bits);
            p.out.write(bits >>> 8);
            p.out.write(bits >>> 16);
            p.out.write(bits >>> 24);
            return message(1, p.varint(3, type));
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    /** A tiny valid BPE model: <unk>, <s>, </s>, ▁, a, b, ▁a, ab. */
    static Proto tinyModel(Proto trainer, Proto normalizer) {
        Proto model = new Proto().piece("<unk>", 0, 2).piece("<s>", 0, 3).piece("</s>", 0, 3)
                .piece("▁a", -1, 1).piece("ab", -2, 1).piece("▁", -3, 1).piece("a", -4, 1).piece("b", -5, 1);
        if (trainer != null) {
            model.message(2, trainer);
        }
        if (normalizer != null) {
            model.message(3, normalizer);
        }
        return model;
    }

    Path writeModel(byte[] bytes) throws IOException {
        Path file = dir.resolve("tokenizer.model");
        Files.write(file, bytes);
        return file;
    }

    @Test
    void acceptsAHandWrittenModelProtoAndHonoursItsDefaults() throws IOException {
        writeModel(tinyModel(new Proto().varint(3, 2), null).toBytes());
        Tokenizer t = TokenizerLoader.load(dir);
        // Defaults: dummy prefix on, extra whitespace removed, unk 0, bos 1, eos 2, add BOS.
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {3, 7}, t.encode("  ab  "));
        org.junit.jupiter.api.Assertions.assertEquals(java.util.OptionalInt.of(1), t.bosId());
        org.junit.jupiter.api.Assertions.assertEquals(java.util.OptionalInt.of(2), t.eosId());
        assertTrue(t.addBos());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {3, 0}, t.encode("ac"),
                "an unknown character without byte fallback is <unk>");
    }

    @Test
    void rejectsTruncatedTokenizerModel() throws IOException {
        byte[] llama2 = Files.readAllBytes(Fixtures.path("llama2-tokenizer/tokenizer.model"));
        Path file = writeModel(java.util.Arrays.copyOf(llama2, 1001));
        assertRejected(dir, file, "truncated");
    }

    @Test
    void rejectsUnigramAndModelsWithoutTrainerSpec() throws IOException {
        Path file = writeModel(tinyModel(new Proto().varint(3, 1), null).toBytes());
        assertRejected(dir, file, "model_type is UNIGRAM", "only BPE");
        writeModel(tinyModel(null, null).toBytes()); // absent model_type defaults to UNIGRAM
        assertRejected(dir, file, "model_type is UNIGRAM");
    }

    @Test
    void rejectsAPrecompiledNormalizationCharsmapByRuleName() throws IOException {
        Proto normalizer = new Proto().string(1, "nmt_nfkc").bytes(2, new byte[] {1, 2, 3, 4});
        Path file = writeModel(tinyModel(new Proto().varint(3, 2), normalizer).toBytes());
        assertRejected(dir, file, "'nmt_nfkc'", "precompiled_charsmap", "identity");
    }

    @Test
    void rejectsBytePiecesWithoutByteFallbackAndDuplicatePieces() throws IOException {
        Path file = writeModel(tinyModel(new Proto().varint(3, 2), null).piece("<0x41>", 0, 6).toBytes());
        assertRejected(dir, file, "byte_fallback is false");
        writeModel(tinyModel(new Proto().varint(3, 2), null).piece("ab", 0, 1).toBytes());
        assertRejected(dir, file, "'ab' is defined twice");
    }

    /** With byte fallback every byte needs its piece: one spelled in lower case does not stand in for another. */
    @Test
    void rejectsAnIncompleteByteFallbackTable() throws IOException {
        Proto trainer = new Proto().varint(3, 2).varint(35, 1);
        Proto model = tinyModel(trainer, null);
        for (int b = 0; b < 256; b++) {
            String piece = b == 0x0B ? "<0x0a>" : String.format("<0x%02X>", b);
            model.piece(piece, 0, 6);
        }
        Path file = writeModel(model.toBytes());
        assertRejected(dir, file, "repeats byte <0x0A>");
        Proto missing = tinyModel(trainer, null);
        for (int b = 0; b < 255; b++) {
            missing.piece(String.format("<0x%02X>", b), 0, 6);
        }
        writeModel(missing.toBytes());
        assertRejected(dir, file, "byte piece <0xFF> is missing");
    }

    @Test
    void rejectsAnUnknownPieceType() throws IOException {
        Path file = writeModel(tinyModel(new Proto().varint(3, 2), null).piece("zz", 0, 9).toBytes());
        assertRejected(dir, file, "unknown type 9");
    }

    // ---------------------------------------------------------------- tokenizer.json

    /** Writes the stories tokenizer.json after {@code edit} into the temp folder. */
    Path writeJson(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) TokenizerFiles.readJson(Fixtures.path("stories260K/tokenizer.json"));
        edit.accept(root);
        Path file = dir.resolve("tokenizer.json");
        Files.write(file, TokenizerFiles.JSON.writeValueAsBytes(root));
        return file;
    }

    @Test
    void loadsTheUneditedCopy() throws IOException {
        writeJson(root -> { });
        org.junit.jupiter.api.Assertions.assertEquals(512, TokenizerLoader.load(dir).vocabSize());
    }

    @Test
    void rejectsBadJson() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,}");
        assertRejected(dir, file, "not valid JSON");
        Files.writeString(file, "[]");
        assertRejected(dir, file, "not a JSON object");
    }

    @Test
    void rejectsUnknownModelType() throws IOException {
        Path file = writeJson(root -> ((ObjectNode) root.get("model")).put("type", "Unigram"));
        assertRejected(dir, file, "model type 'Unigram' is not supported");
    }

    @Test
    void rejectsUnknownPreTokenizer() throws IOException {
        Path file = writeJson(root -> root.putObject("pre_tokenizer").put("type", "BertPreTokenizer"));
        assertRejected(dir, file, "pre_tokenizer type 'BertPreTokenizer' is not supported");
    }

    @Test
    void rejectsUnknownPreTokenizerInsideASequence() throws IOException {
        Path file = writeJson(root -> {
            ObjectNode seq = root.putObject("pre_tokenizer").put("type", "Sequence");
            seq.putArray("pretokenizers").addObject().put("type", "Whitespace");
        });
        assertRejected(dir, file, "pre_tokenizer.pretokenizers[0] type 'Whitespace' is not supported");
    }

    @Test
    void rejectsUnknownNormalizer() throws IOException {
        Path file = writeJson(root -> root.putObject("normalizer").put("type", "Lowercase"));
        assertRejected(dir, file, "normalizer type 'Lowercase' is not supported");
    }

    @Test
    void rejectsUnknownDecoder() throws IOException {
        Path file = writeJson(root -> root.putObject("decoder").put("type", "WordPiece"));
        assertRejected(dir, file, "decoder type 'WordPiece' is not supported");
    }

    @Test
    void rejectsMergesNamingPiecesNotInTheVocabulary() throws IOException {
        Path file = writeJson(root -> ((ArrayNode) root.get("model").get("merges")).addArray().add("▁t").add("zz"));
        assertRejected(dir, file, "model.merges[165]", "\"zz\"", "not in the vocabulary");
        writeJson(root -> ((ArrayNode) root.get("model").get("merges")).add("▁the rex"));
        assertRejected(dir, file, "model.merges[165]", "\"rex\"", "not in the vocabulary");
        writeJson(root -> ((ArrayNode) root.get("model").get("merges")).add("a b c"));
        assertRejected(dir, file, "model.merges[165]", "not two tokens separated by one space");
    }

    @Test
    void rejectsAddedTokenIdOutOfRange() throws IOException {
        Path file = writeJson(root -> ((ArrayNode) root.get("added_tokens")).addObject()
                .put("id", 100000).put("content", "<|im_end|>").put("special", true));
        assertRejected(dir, file, "added_tokens[3] '<|im_end|>' has id 100000, out of range");
        writeJson(root -> ((ArrayNode) root.get("added_tokens")).addObject()
                .put("id", 5).put("content", "<|im_end|>").put("special", true));
        assertRejected(dir, file, "added_tokens[3] '<|im_end|>' has id 5, which is the vocabulary's '<0x02>'");
    }

    @Test
    void rejectsAnUnsupportedRegexAndBpeDropout() throws IOException {
        Path file = writeJson(root -> root.putObject("pre_tokenizer").put("type", "Split")
                .put("behavior", "Isolated").put("invert", false).putObject("pattern").put("Regex", "(unclosed"));
        assertRejected(dir, file, "pre_tokenizer", "does not compile");
        writeJson(root -> ((ObjectNode) root.get("model")).put("dropout", 0.1));
        assertRejected(dir, file, "dropout");
    }

    // ---------------------------------------------------------------- folder and config

    @Test
    void rejectsAFolderWithoutTokenizerFiles() {
        assertRejected(dir, dir, "has neither tokenizer.json nor tokenizer.model");
        Path missing = dir.resolve("no-such-model");
        TokenizerException e = assertThrows(TokenizerException.class, () -> TokenizerLoader.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void rejectsBadTokenizerConfig() throws IOException {
        writeJson(root -> { });
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(config, "{\"add_bos_token\": \"yes\"}");
        assertRejected(dir, config, "add_bos_token is \"yes\"");
        Files.writeString(config, "{\"bos_token\": \"<start>\"}");
        assertRejected(dir, dir.resolve("tokenizer.json"), "bos_token '<start>'");
        Files.writeString(config, "{oops");
        assertRejected(dir, config, "not valid JSON");
    }
}
