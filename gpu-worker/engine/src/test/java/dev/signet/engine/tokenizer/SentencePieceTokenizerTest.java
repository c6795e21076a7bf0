package dev.signet.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** sentencepiece BPE from tokenizer.model, against llama.cpp's Llama 2 vectors and the stories fixtures. */
class SentencePieceTokenizerTest {
    static final Path LLAMA2 = Fixtures.path("llama2-tokenizer");

    /** llama.cpp's test strings and their expected ids (no BOS), in file order. */
    record Vector(String text, int[] ids) {}

    static List<Vector> llamaCppVectors() throws IOException {
        String inp = Files.readString(LLAMA2.resolve("ggml-vocab-llama-spm.gguf.inp"), StandardCharsets.UTF_8);
        String out = Files.readString(LLAMA2.resolve("ggml-vocab-llama-spm.gguf.out"), StandardCharsets.UTF_8);
        String[] texts = inp.split("\n__ggml_vocab_test__\n", -1);
        String[] lines = out.split("\n", -1);
        assertEquals(47, texts.length, "test strings");
        assertEquals("", texts[46], "the input file ends with a separator");
        List<Vector> vectors = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            String line = lines[i].strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split("\\s+")).mapToInt(Integer::parseInt).toArray();
            vectors.add(new Vector(texts[i], ids));
        }
        return vectors;
    }

    @Test
    void reproducesLlamaCppTestVectors() throws IOException {
        Tokenizer llama2 = TokenizerLoader.load(LLAMA2);
        assertTrue(llama2 instanceof SentencePieceTokenizer);
        assertEquals(32000, llama2.vocabSize());
        List<Vector> vectors = llamaCppVectors();
        for (int i = 0; i < vectors.size(); i++) {
            Vector v = vectors.get(i);
            assertArrayEquals(v.ids(), llama2.encode(v.text()), "vector " + i + ": " + v.text());
        }
    }

    @Test
    void decodesLlamaCppTestVectorsBackToTheirText() throws IOException {
        Tokenizer llama2 = TokenizerLoader.load(LLAMA2);
        for (Vector v : llamaCppVectors()) {
            assertEquals(v.text(), llama2.decode(v.ids()), "decoding the ids of: " + v.text());
        }
    }

    @Test
    void readsSpecialPiecesAndDefaultsWithoutTokenizerConfig() {
        SentencePieceTokenizer llama2 = (SentencePieceTokenizer) TokenizerLoader.load(LLAMA2);
        assertEquals(OptionalInt.of(1), llama2.bosId());
        assertEquals(OptionalInt.of(2), llama2.eosId());
        assertTrue(llama2.addBos(), "sentencepiece models get BOS unless tokenizer_config.json says otherwise");
        assertTrue(llama2.isSpecial(0) && llama2.isSpecial(1) && llama2.isSpecial(2));
        assertFalse(llama2.isSpecial(13));
        assertEquals("<0x0A>", llama2.piece(13));
        assertEquals(SentencePieceModel.PieceType.BYTE, llama2.pieceType(13));
        assertEquals("▁Hello", llama2.piece(15043));
        assertEquals(OptionalInt.of(15043), llama2.tokenId("▁Hello"));
        assertEquals(OptionalInt.empty(), llama2.tokenId("no such piece"));
    }

    @Test
    void collapsesRunsOfSpacesOnlyWhenRemoveExtraWhitespacesIsOn() {
        Tokenizer tok512 = SentencePieceTokenizer.load(HfTokenizerTest.STORIES.resolve("tokenizer.model"), TokenizerConfig.NONE);
        // The stories model uses the proto defaults (remove_extra_whitespaces on): indentation disappears.
        assertArrayEquals(tok512.encode("return x"), tok512.encode("    return  x  "));
        assertEquals("return x", tok512.decode(tok512.encode("    return  x  ")));
        // Llama 2 turns it off: every space is kept.
        Tokenizer llama2 = TokenizerLoader.load(LLAMA2);
        assertArrayEquals(new int[] {259, 15043}, llama2.encode("  Hello"));
        assertEquals("    return  x  ", llama2.decode(llama2.encode("    return  x  ")));
    }

    /** The README: stories' tokenizer.json keeps every space; it equals the model once spaces are collapsed. */
    @Test
    void agreesWithTokenizerJsonExactlyWhereTheReadmeSays() throws IOException {
        Tokenizer tok512 = SentencePieceTokenizer.load(HfTokenizerTest.STORIES.resolve("tokenizer.model"), TokenizerConfig.NONE);
        Tokenizer json = TokenizerLoader.load(HfTokenizerTest.STORIES);
        for (String set : List.of("pycode", "legal")) {
            List<String> docs = HfTokenizerTest.documents("corpora/" + set + "/eval.txt");
            int raw = 0;
            int collapsed = 0;
            for (String doc : docs) {
                int[] model = tok512.encode(doc);
                raw += Arrays.equals(json.encode(doc), model) ? 1 : 0;
                collapsed += Arrays.equals(json.encode(doc.replaceAll(" +", " ").strip()), model) ? 1 : 0;
            }
            assertEquals(docs.size(), collapsed, set + ": equal after collapsing spaces");
            assertEquals(set.equals("pycode") ? 0 : 2, raw, set + ": equal on the raw text");
        }
    }

    @Test
    void fallsBackToBytePiecesForCharactersOutsideTheVocabulary() {
        Tokenizer tok512 = SentencePieceTokenizer.load(HfTokenizerTest.STORIES.resolve("tokenizer.model"), TokenizerConfig.NONE);
        // 🦙 is F0 9F A6 99; byte piece ids are byte + 3 in this model.
        assertArrayEquals(new int[] {410, 0xF0 + 3, 0x9F + 3, 0xA6 + 3, 0x99 + 3}, tok512.encode("🦙"));
        assertEquals("🦙 ½", tok512.decode(tok512.encode("🦙 ½")));
        // A byte run cut short decodes to one U+FFFD per byte, as sentencepiece does.
        assertEquals("a\uFFFD\uFFFD", tok512.decode(new int[] {tok512.encode("a")[0], 0xF0 + 3, 0x9F + 3}));
    }

    @Test
    void recognisesControlPiecesWrittenInTextAndSkipsThemWhenDecoding() {
        Tokenizer tok512 = SentencePieceTokenizer.load(HfTokenizerTest.STORIES.resolve("tokenizer.model"), TokenizerConfig.NONE);
        int[] once = tok512.encode("Once");
        int[] expected = new int[once.length + 2];
        expected[0] = 1;
        System.arraycopy(once, 0, expected, 1, once.length);
        expected[once.length + 1] = 2;
        // Each stretch between control pieces is encoded on its own, dummy prefix included (Meta's Llama 2 usage).
        assertArrayEquals(expected, tok512.encode("<s>Once</s>"));
        assertEquals("Once", tok512.decode(expected));
    }
}
