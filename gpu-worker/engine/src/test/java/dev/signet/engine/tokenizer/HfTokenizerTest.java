package dev.signet.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.engine.eval.EvalWindows;
import dev.signet.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The stories260K tokenizer.json (Metaspace + byte-fallback BPE) against the fixtures' own token ids (the
 * perplexity windows of every eval set are checked through {@code eval.EvalWindowsTest}).
 */
class HfTokenizerTest {
    static final Path STORIES = Fixtures.path("stories260K");

    static JsonNode json(String relative) {
        return TokenizerFiles.readJson(Fixtures.path(relative));
    }

    @Test
    void encodesReferencePromptsWithTokenizerJsonAndTokenizerModel() {
        Tokenizer json = TokenizerLoader.load(STORIES);
        Tokenizer model = SentencePieceTokenizer.load(STORIES.resolve("tokenizer.model"), TokenizerConfig.NONE);
        for (JsonNode p : json("reference/reference.json").get("models").get("base").get("prompts")) {
            String prompt = p.get("prompt").stringValue();
            int[] want = new int[p.get("input_ids").size()];
            for (int i = 0; i < want.length; i++) {
                want[i] = p.get("input_ids").get(i).intValue();
            }
            for (Tokenizer t : List.of(json, model)) {
                IdBuffer ids = new IdBuffer(16);
                ids.add(t.bosId().orElseThrow());
                ids.addAll(t.encode(prompt));
                assertArrayEquals(want, ids.toArray(), t.getClass().getSimpleName() + ": " + prompt);
            }
        }
    }

    static final List<String> CORPUS_FILES = Llama3ByteLevelTest.CORPUS_FILES;

    /** A corpus file's documents (split on the separator, final empty string dropped). */
    static List<String> documents(String relative) throws IOException {
        String text = Files.readString(Fixtures.path(relative), StandardCharsets.UTF_8);
        String[] parts = text.split(java.util.regex.Pattern.quote(EvalWindows.SEPARATOR), -1);
        return List.of(parts).subList(0, parts.length - 1);
    }

    @Test
    void roundTripsEveryCorpusFile() throws IOException {
        Tokenizer stories = TokenizerLoader.load(STORIES);
        for (String file : CORPUS_FILES) {
            String text = Files.readString(Fixtures.path("corpora/" + file), StandardCharsets.UTF_8);
            assertTrue(!text.startsWith(" "), file + " does not start with a space");
            assertEquals(text, stories.decode(stories.encode(text)), file);
        }
    }

    /**
     * HF's rules lose exactly one thing: a text starting with a space encodes as "▁…" with no prefix added,
     * and the decoder's Strip removes that space. Seven fixture documents start with a space.
     */
    @Test
    void roundTripsEveryDocumentExceptTheLeadingSpaceOfDocumentsThatStartWithOne() throws IOException {
        Tokenizer stories = TokenizerLoader.load(STORIES);
        int startingWithSpace = 0;
        for (String file : CORPUS_FILES) {
            for (String doc : documents("corpora/" + file)) {
                String back = stories.decode(stories.encode(doc));
                if (doc.startsWith(" ")) {
                    startingWithSpace++;
                    assertEquals(doc.substring(1), back, file);
                } else {
                    assertEquals(doc, back, file);
                }
            }
        }
        assertEquals(7, startingWithSpace, "caps eval 1, caps train 3, legal train 2, stories eval 1");
    }

    @Test
    void readsSpecialTokensBosEosAndAddBos() {
        Tokenizer stories = TokenizerLoader.load(STORIES);
        assertTrue(stories instanceof HfTokenizer);
        assertEquals(512, stories.vocabSize());
        assertEquals(java.util.OptionalInt.of(1), stories.bosId());
        assertEquals(java.util.OptionalInt.of(2), stories.eosId());
        assertTrue(stories.addBos());
        assertTrue(stories.isSpecial(0) && stories.isSpecial(1) && stories.isSpecial(2));
        assertTrue(!stories.isSpecial(13) && !stories.isSpecial(512) && !stories.isSpecial(-1));
        assertEquals("<0x0A>", stories.piece(13));
        assertEquals("▁the", stories.piece(265));
        assertEquals(java.util.OptionalInt.of(1), stories.tokenId("<s>"));
        assertEquals(java.util.OptionalInt.of(265), stories.tokenId("▁the"));
    }

    @Test
    void recognisesSpecialTokensWrittenInTextAndPrependsOnlyAtTheStartOfTheInput() {
        Tokenizer stories = TokenizerLoader.load(STORIES);
        int[] ids = stories.encode("<s>Once</s>");
        assertEquals(1, ids[0]);
        assertEquals(2, ids[ids.length - 1]);
        // prepend_scheme "first": the text after <s> does not start the input, so it gets no "▁".
        for (int i = 1; i < ids.length - 1; i++) {
            assertTrue(!stories.piece(ids[i]).startsWith("▁"), stories.piece(ids[i]));
        }
        assertEquals("Once", stories.decode(ids));
        assertEquals("▁Once", stories.piece(stories.encode("Once")[0]));
    }
}
