package dev.signet.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Pushing generated ids one by one yields exactly decode(prompt + generated) minus decode(prompt), for all
 * four tokenizer flavours, with byte-fallback characters split over several ids.
 */
class StreamingDecoderTest {
    static final Tokenizer STORIES_JSON = TokenizerLoader.load(Fixtures.path("stories260K"));
    static final Tokenizer STORIES_MODEL =
            SentencePieceTokenizer.load(Fixtures.path("stories260K/tokenizer.model"), TokenizerConfig.NONE);
    static final Tokenizer LLAMA2 = TokenizerLoader.load(Fixtures.path("llama2-tokenizer"));

    /** What streaming {@code generated} after {@code prompt} produces, push by push, then the flush. */
    static List<String> stream(Tokenizer t, int[] prompt, int[] generated) {
        StreamingDecoder decoder = t.streamingDecoder(prompt);
        List<String> pieces = new ArrayList<>();
        for (int id : generated) {
            pieces.add(decoder.push(id));
        }
        pieces.add(decoder.flush());
        return pieces;
    }

    /** The README's continuation rule: the full decode minus the decoded prompt. */
    static String continuation(Tokenizer t, int[] prompt, int[] generated) {
        int[] all = new int[prompt.length + generated.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(generated, 0, all, prompt.length, generated.length);
        String full = t.decode(all);
        String head = t.decode(prompt);
        assertTrue(full.startsWith(head), "decode(prompt) is a prefix of decode(prompt + generated)");
        return full.substring(head.length());
    }

    static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).intValue();
        }
        return ids;
    }

    static int[] concat(int[]... parts) {
        IdBuffer b = new IdBuffer(64);
        for (int[] p : parts) {
            b.addAll(p);
        }
        return b.toArray();
    }

    @Test
    void streamsTheReferenceContinuationTextOfEveryModelAndPrompt() {
        JsonNode models = TokenizerFiles.readJson(Fixtures.path("reference/reference.json")).get("models");
        int checked = 0;
        for (Map.Entry<String, JsonNode> model : models.properties()) {
            for (JsonNode p : model.getValue().get("prompts")) {
                int[] prompt = ids(p.get("input_ids"));
                int[] greedy = ids(p.get("greedy_ids"));
                String where = model.getKey() + " / " + p.get("prompt").stringValue();
                assertEquals(p.get("full_text").stringValue(), STORIES_JSON.decode(concat(prompt, greedy)), where);
                assertEquals(p.get("continuation_text").stringValue(),
                        String.join("", stream(STORIES_JSON, prompt, greedy)), where);
                checked++;
            }
        }
        assertEquals(40, checked, "10 models × 4 prompts");
    }

    @Test
    void holdsByteFallbackCharactersBackUntilTheirLastByteArrives() {
        for (Tokenizer t : List.of(STORIES_JSON, STORIES_MODEL, LLAMA2)) {
            int[] prompt = concat(new int[] {1}, t.encode("Once upon a time"));
            int[] generated = t.encode(" Tom ate ½ of a 🍕 and said 你好! 🦙🦙 done");
            List<String> pieces = stream(t, prompt, generated);
            assertEquals(continuation(t, prompt, generated), String.join("", pieces), t.getClass().getSimpleName());
            for (String piece : pieces) {
                assertFalse(piece.contains("\uFFFD"), "never emits half a character: " + pieces);
            }
            assertTrue(pieces.contains(""), "some pushes complete no character");
        }
    }

    @Test
    void flushEmitsAnIncompleteCharacterAsTheFullDecodeWouldShowIt() {
        for (Tokenizer t : List.of(STORIES_JSON, STORIES_MODEL, LLAMA2)) {
            int[] prompt = concat(new int[] {1}, t.encode("Pizza"));
            int[] pizza = t.encode("🍕");
            int[] cut = java.util.Arrays.copyOf(pizza, pizza.length - 1); // the emoji's last byte never comes
            List<String> pieces = stream(t, prompt, cut);
            assertEquals(continuation(t, prompt, cut), String.join("", pieces));
            assertTrue(pieces.getLast().contains("\uFFFD"), "the flush carries the replacement characters");
        }
    }

    @Test
    void skipsSpecialIdsAndStartsCleanlyWithoutPrompt() {
        int[] generated = concat(STORIES_JSON.encode("Lily saw a cat."), new int[] {2, 1}, STORIES_JSON.encode("The end"));
        for (int[] prompt : List.of(new int[0], new int[] {1})) {
            assertEquals(continuation(STORIES_JSON, prompt, generated),
                    String.join("", stream(STORIES_JSON, prompt, generated)));
        }
    }

    /** Random ids anywhere in the vocabulary: specials, byte pieces, lone spaces, mid-character bytes. */
    @Test
    void matchesTheFullDecodeOnRandomIdSequences() {
        Random random = new Random(20240601);
        List<Tokenizer> tokenizers = new ArrayList<>(List.of(STORIES_JSON, STORIES_MODEL, LLAMA2));
        tokenizers.add(TokenizerLoader.load(NodeOracle.llama3Folder()));
        for (Tokenizer t : tokenizers) {
            for (int trial = 0; trial < 300; trial++) {
                // Prompts end in a letter so no byte run crosses into the generated ids.
                int[] prompt = trial % 3 == 0 ? new int[0] : t.encode("Prompt number " + trial + " ends in x");
                int[] generated = new int[1 + random.nextInt(40)];
                for (int i = 0; i < generated.length; i++) {
                    generated[i] = random.nextInt(4) == 0 ? random.nextInt(Math.min(300, t.vocabSize()))
                            : random.nextInt(t.vocabSize());
                }
                String where = t.getClass().getSimpleName() + " trial " + trial;
                assertEquals(continuation(t, prompt, generated), String.join("", stream(t, prompt, generated)), where);
            }
        }
    }

    @Test
    void keepsEachPushShortOnLongGenerations() {
        String story = "Once upon a time, there was a little girl named Lily. She loved to play outside. ".repeat(200);
        int[] generated = STORIES_JSON.encode(story);
        StreamingDecoder decoder = STORIES_JSON.streamingDecoder(new int[] {1});
        StringBuilder text = new StringBuilder();
        for (int id : generated) {
            String piece = decoder.push(id);
            assertTrue(piece.length() < 40, "a push returns only its own text");
            text.append(piece);
        }
        text.append(decoder.flush());
        assertEquals(story.strip(), text.toString().strip());
        assertEquals(STORIES_JSON.decode(generated), text.toString());
    }
}
