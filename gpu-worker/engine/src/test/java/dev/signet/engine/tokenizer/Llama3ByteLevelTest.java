package dev.signet.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Byte-level BPE (Meta's Llama 3 tokenizer.json: regex Split, ByteLevel, ignore_merges) against
 * llama3-tokenizer-js, an independent JavaScript implementation, on the llama.cpp strings, slices of every
 * corpus file, whole eval files and hand-picked hard cases.
 */
class Llama3ByteLevelTest {
    static final List<String> CORPUS_FILES = List.of("caps/train.txt", "caps/eval.txt", "pycode/train.txt",
            "pycode/eval.txt", "legal/train.txt", "legal/eval.txt", "stories/eval.txt");

    /** Digits, contractions, whitespace runs, newlines, tabs, scripts, emoji, and special-token text. */
    static final List<String> HARD_CASES = List.of(
            "1 12 123 1234 12345 123456 3.14159 1,000,000 0x7fff 2024-06-01",
            "I'm you're they've he'll she'd it's DON'T I'M YOU'RE 'tis rock'n'roll",
            "a\n\nb\r\n\tc\t\td\n \n  \n   e",
            "   leading spaces", "trailing spaces   ", "   ", " ", "\n", "\n\n\n", "\t", "\r\n",
            "word" + " ".repeat(20) + "word", "x \n y  \n\n  z",
            "naïve café Ünïcödé façade ß Æsir ŒUVRE",
            "🦙🚀 😶‍🌫️ 👨‍👩‍👧‍👦 👍🏽 ✅ ❤️ 🇫🇷",
            "我想在apple工作1314151天～ 日本語のテキスト、カタカナ。 한국어 텍스트",
            "مرحبا بالعالم שלום עולם Привет, мир! Γειά σου κόσμε",
            "e\u0301 a\u0308 n\u0303 क्षत्रिय ไทย",
            "∑∫√π ≤ ≥ ≠ ∞ → ⇒ ½ ¼ ² ³ ™ © ®",
            "a\u200bb\u200dc non\u00a0breaking\u3000ideographic",
            "def f(x):\n    return x**2  # square\n\n\nclass A:\n\tpass\n",
            "!!!!!!  ???  ...  ---  ___  ***  ///",
            "<|begin_of_text|>Hello<|eot_id|>",
            "<|start_header_id|>user<|end_header_id|>\n\nHi there!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            "text with <|end_of_text|> inside",
            "<|begin_of_text|");

    static Tokenizer llama3;

    @BeforeAll
    static void load() {
        llama3 = TokenizerLoader.load(NodeOracle.llama3Folder());
    }

    static List<String> oracleInputs() throws IOException {
        List<String> texts = new ArrayList<>();
        for (SentencePieceTokenizerTest.Vector v : SentencePieceTokenizerTest.llamaCppVectors()) {
            texts.add(v.text());
        }
        texts.addAll(HARD_CASES);
        for (String file : CORPUS_FILES) {
            String text = Files.readString(Fixtures.path("corpora/" + file), StandardCharsets.UTF_8);
            if (file.endsWith("eval.txt")) {
                texts.add(text);
            }
            for (int k = 0; k < 12; k++) {
                int start = codePointBoundary(text, (int) ((long) text.length() * k / 12));
                int end = codePointBoundary(text, Math.min(text.length(), start + 1500 + 397 * k));
                texts.add(text.substring(start, end));
            }
        }
        return texts;
    }

    private static int codePointBoundary(String s, int i) {
        return i > 0 && i < s.length() && Character.isLowSurrogate(s.charAt(i)) ? i + 1 : i;
    }

    @Test
    void encodesLikeLlama3TokenizerJs() throws IOException, InterruptedException {
        List<String> texts = oracleInputs();
        int[][] expected = NodeOracle.llama3Ids(texts);
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            assertArrayEquals(expected[i], llama3.encode(text),
                    () -> "text " + text.substring(0, Math.min(80, text.length())));
        }
    }

    @Test
    void decodesEveryOracleInputWithoutSpecialTokensBackToItself() throws IOException {
        for (String text : oracleInputs()) {
            if (text.contains("<|") && text.contains("|>")) {
                continue; // special tokens are dropped by decode
            }
            assertEquals(text, llama3.decode(llama3.encode(text)),
                    () -> "round trip of " + text.substring(0, Math.min(80, text.length())));
        }
    }

    /** Hand-checked against Meta's tokenizer.json: 128000 is <|begin_of_text|>, 9906 "Hello", 128009 <|eot_id|>. */
    @Test
    void recognisesSpecialTokensWrittenInTextAndSkipsThemWhenDecoding() {
        assertArrayEquals(new int[] {128000, 9906, 128009}, llama3.encode("<|begin_of_text|>Hello<|eot_id|>"));
        assertEquals("Hello", llama3.decode(new int[] {128000, 9906, 128009}));
        assertTrue(llama3.isSpecial(128000));
        assertFalse(llama3.isSpecial(9906));
        assertEquals(OptionalInt.of(128009), llama3.tokenId("<|eot_id|>"));
        // An unterminated special token is plain text.
        assertFalse(java.util.Arrays.stream(llama3.encode("<|begin_of_text|")).anyMatch(id -> id >= 128000));
    }

    @Test
    void readsVocabularyAndSpecialTokensOfMetasLlama3Tokenizer() {
        assertEquals(128256, llama3.vocabSize());
        assertEquals(OptionalInt.of(128000), llama3.bosId());
        assertEquals(OptionalInt.of(128001), llama3.eosId());
        // This release's post-processor is ByteLevel only (no BOS template) and the config has no add_bos_token.
        assertFalse(llama3.addBos());
        assertEquals("Ġthe", llama3.piece(279));
        assertEquals(OptionalInt.of(279), llama3.tokenId("Ġthe"));
    }
}
