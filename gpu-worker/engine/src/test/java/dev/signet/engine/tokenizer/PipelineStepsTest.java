package dev.signet.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The tokenizer.json building blocks on the tokenizers crate's own documented and unit-test examples. */
class PipelineStepsTest {

    static List<String> split(PreTokenizer p, String text, boolean atInputStart) {
        List<PreToken> out = new ArrayList<>();
        p.split(new PreToken(text, atInputStart), out);
        return out.stream().map(PreToken::text).toList();
    }

    @Test
    void splitBehavioursFollowTheCratesDocumentedExample() {
        SplitPattern dash = SplitPattern.Regex.literal("-");
        String text = "the-final--countdown";
        assertEquals(List.of("the", "final", "countdown"), split(new PreTokenizer.Split(dash, SplitBehavior.REMOVED, false), text, true));
        assertEquals(List.of("the", "-", "final", "-", "-", "countdown"),
                split(new PreTokenizer.Split(dash, SplitBehavior.ISOLATED, false), text, true));
        assertEquals(List.of("the-", "final-", "-", "countdown"),
                split(new PreTokenizer.Split(dash, SplitBehavior.MERGED_WITH_PREVIOUS, false), text, true));
        assertEquals(List.of("the", "-final", "-", "-countdown"),
                split(new PreTokenizer.Split(dash, SplitBehavior.MERGED_WITH_NEXT, false), text, true));
        assertEquals(List.of("the", "-", "final", "--", "countdown"),
                split(new PreTokenizer.Split(dash, SplitBehavior.CONTIGUOUS, false), text, true));
        assertEquals(List.of("-", "-", "-"), split(new PreTokenizer.Split(dash, SplitBehavior.REMOVED, true), text, true));
    }

    @Test
    void metaspaceReplacesSpacesPrependsBySchemeAndSplitsBeforeEachReplacement() {
        var always = new PreTokenizer.Metaspace("▁", PreTokenizer.PrependScheme.ALWAYS, true);
        assertEquals(List.of("▁Hey", "▁friend!"), split(always, "Hey friend!", true));
        assertEquals(List.of("▁Hey", "▁", "▁", "▁friend!"), split(always, "Hey   friend!", true));
        assertEquals(List.of("▁Hey▁friend!"),
                split(new PreTokenizer.Metaspace("▁", PreTokenizer.PrependScheme.ALWAYS, false), "Hey friend!", false));
        var first = new PreTokenizer.Metaspace("▁", PreTokenizer.PrependScheme.FIRST, false);
        assertEquals(List.of("▁Hey"), split(first, "Hey", true));
        assertEquals(List.of("Hey"), split(first, "Hey", false), "not at offset 0 of the input: no prefix");
        assertEquals(List.of("▁Hey"), split(first, " Hey", true), "already starts with the replacement");
        assertEquals(List.of("Hey▁you"),
                split(new PreTokenizer.Metaspace("▁", PreTokenizer.PrependScheme.NEVER, false), "Hey you", true));
    }

    @Test
    void byteLevelAddsThePrefixSpaceSplitsWithTheGpt2RegexAndMapsBytes() {
        assertEquals(List.of("ĠHello", "Ġmy", "Ġfriend", ",", "Ġhow", "Ġis", "Ġyour", "Ġday", "Ġgoing", "?"),
                split(new PreTokenizer.ByteLevel(true, true), "Hello my friend, how is your day going?", true));
        assertEquals(List.of("HelloĠmyĊ"), split(new PreTokenizer.ByteLevel(false, false), "Hello my\n", true));
        assertEquals(List.of("Ã©"), split(new PreTokenizer.ByteLevel(false, false), "é", true));
    }

    @Test
    void digitsSplitAloneOrInRuns() {
        assertEquals(List.of("Call ", "1", "2", "3", " now"), split(new PreTokenizer.Digits(true), "Call 123 now", true));
        assertEquals(List.of("Call ", "123", " now"), split(new PreTokenizer.Digits(false), "Call 123 now", true));
    }

    @Test
    void llama3RegexTranslatesToJavaWithRustSemantics() {
        Pattern p = OnigurumaPattern.compile(
                "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
                "test");
        var splitter = new PreTokenizer.Split(new SplitPattern.Regex(p), SplitBehavior.ISOLATED, false);
        assertEquals(List.of("I", "'M", " fine", ",", " ", "123", "456", "7", "   ", " ok", "\n\n", "\u00a0x"),
                split(splitter, "I'M fine, 1234567    ok\n\n\u00a0x", true));
        assertEquals("\\p{IsHan}+", OnigurumaPattern.translate("\\p{Han}+"));
        assertEquals("\\P{L}", OnigurumaPattern.translate("\\p{^L}"));
    }

    @Test
    void normalizersPrependOnlyToNonEmptyTextAndReplaceLiterally() {
        var prepend = new TextNormalizer.Prepend("▁");
        assertEquals("▁a", prepend.normalize("a"));
        assertEquals("", prepend.normalize(""));
        assertEquals("a▁b▁▁c", TextNormalizer.Replace.literal(" ", "▁").normalize("a b  c"));
        assertEquals("$1", TextNormalizer.Replace.regex(Pattern.compile("x+"), "$1").normalize("xx"));
        assertEquals("a \u00a0b", new TextNormalizer.Strip(true, true).normalize("\u3000 a \u00a0b\t\n"));
    }

    @Test
    void decodersWorkPerTokenAsInTheCrate() {
        var fallback = new TokenDecoder.ByteFallback();
        assertEquals(List.of("Hey", "friend!"), fallback.decodeChain(List.of("Hey", "friend!")));
        assertEquals(List.of("a"), fallback.decodeChain(List.of("<0x61>")));
        assertEquals(List.of("叫", "a"), fallback.decodeChain(List.of("<0xE5>", "<0x8f>", "<0xab>", "a")));
        assertEquals(List.of("\uFFFD", "\uFFFD", "a"), fallback.decodeChain(List.of("<0xE5>", "<0x8f>", "a")));

        assertEquals(List.of("ey", " friend!", "HH"), new TokenDecoder.Strip('H', 1, 0).decodeChain(List.of("Hey", " friend!", "HHH")));
        assertEquals(List.of("He", " friend!", "HHH"), new TokenDecoder.Strip('y', 0, 1).decodeChain(List.of("Hey", " friend!", "HHH")));

        var metaspace = new TokenDecoder.Metaspace("▁", PreTokenizer.PrependScheme.ALWAYS);
        assertEquals(List.of("Hey", " friend!"), metaspace.decodeChain(List.of("▁Hey", "▁friend!")));
        assertEquals(List.of(" Hey"), new TokenDecoder.Metaspace("▁", PreTokenizer.PrependScheme.NEVER).decodeChain(List.of("▁Hey")));

        assertEquals(List.of("Hello there dear friend! [PA D]"), new TokenDecoder.ByteLevel()
                .decodeChain(List.of("Hello", "Ġthere", "Ġdear", "Ġfriend!", "Ġ", "[PA D]")));
        assertEquals(List.of("ab"), new TokenDecoder.Fuse().decodeChain(List.of("a", "b")));
    }

    @Test
    void invalidUtf8IsReplacedTheWayEachReferenceDoes() {
        byte[] bytes = {(byte) 0xE2, (byte) 0x82, 'A', (byte) 0xF0, (byte) 0x9F, (byte) 0x8D, (byte) 0x95};
        StringBuilder lossy = new StringBuilder();
        Utf8Decoding.appendLossy(bytes, 0, bytes.length, lossy);
        assertEquals("\uFFFDA🍕", lossy.toString(), "Rust from_utf8_lossy: one per maximal subpart");
        StringBuilder perByte = new StringBuilder();
        Utf8Decoding.appendPerByte(bytes, 0, bytes.length, perByte);
        assertEquals("\uFFFD\uFFFDA🍕", perByte.toString(), "sentencepiece: one per byte");
        assertEquals(false, Utf8Decoding.isValid(bytes, 0, bytes.length), "crate ByteFallback: the whole run is invalid");
        assertEquals(true, Utf8Decoding.isValid(bytes, 3, bytes.length));
        StringBuilder encodedSurrogate = new StringBuilder();
        Utf8Decoding.appendLossy(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, 0, 3, encodedSurrogate);
        assertEquals("\uFFFD\uFFFD\uFFFD", encodedSurrogate.toString(), "UTF-8-encoded surrogates are ill-formed");
    }

    @Test
    void addedTokensSplitLeftmostLongestWithStripAndSingleWordRules() {
        var vocab = new AddedVocabulary(List.of(
                new AddedVocabulary.AddedToken(10, "<mask>", true, false, true, true, false),
                new AddedVocabulary.AddedToken(11, "<m", true, false, false, false, false),
                new AddedVocabulary.AddedToken(12, "ab", false, true, false, false, false)), null);
        String text = "Hi  <mask>  there <m cab ab";
        List<String> parts = new ArrayList<>();
        for (AddedVocabulary.Segment s : vocab.split(text, false)) {
            parts.add((s.tokenId() >= 0 ? "#" + s.tokenId() + ":" : "") + text.substring(s.start(), s.end()));
        }
        assertEquals(List.of("Hi", "#10:  <mask>  ", "there ", "#11:<m", " cab ", "#12:ab"), parts);
    }

    /** A hand-written tokenizer.json: vocab <unk> a b ab fi f i, merges "a b" and "f i", added token "x y". */
    static Tokenizer tinyTokenizer(Path dir, boolean fuseUnk) throws IOException {
        ObjectNode root = TokenizerFiles.JSON.createObjectNode();
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", 0).put("content", "<unk>").put("special", true).put("normalized", false);
        added.addObject().put("id", 7).put("content", "x y").put("special", false).put("normalized", true);
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode steps = normalizer.putArray("normalizers");
        steps.addObject().put("type", "NFKC");
        ObjectNode replace = steps.addObject().put("type", "Replace").put("content", "▁");
        replace.putObject("pattern").put("String", " ");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model").put("type", "BPE").put("unk_token", "<unk>").put("fuse_unk", fuseUnk);
        model.putObject("vocab").put("<unk>", 0).put("a", 1).put("b", 2).put("ab", 3).put("fi", 4).put("f", 5).put("i", 6);
        model.putArray("merges").add("a b").add("f i");
        Files.write(dir.resolve("tokenizer.json"), TokenizerFiles.JSON.writeValueAsBytes(root));
        return TokenizerLoader.load(dir);
    }

    @Test
    void bpeFusesRunsOfUnknownCharactersOnlyWithFuseUnk(@TempDir Path dir) throws IOException {
        assertEquals(List.of(1, 0, 3), ids(tinyTokenizer(dir, true).encode("aqzab")));
        assertEquals(List.of(1, 0, 0, 3), ids(tinyTokenizer(dir, false).encode("aqzab")));
    }

    @Test
    void normalizedAddedTokensAreFoundAfterNormalization(@TempDir Path dir) throws IOException {
        Tokenizer tiny = tinyTokenizer(dir, true);
        // "x y" is matched as its normalized form "x▁y"; NFKC turns the ligature "ﬁ" into the piece "fi".
        assertEquals(List.of(1, 7, 2), ids(tiny.encode("ax yb")));
        assertEquals(List.of(4), ids(tiny.encode("ﬁ")));
        assertEquals("ax yb", tiny.decode(tiny.encode("ax yb")));
        assertEquals(8, tiny.vocabSize());
        assertEquals(java.util.OptionalInt.empty(), tiny.bosId());
        assertEquals(false, tiny.addBos());
    }

    @Test
    void sentencepieceMatchesUserDefinedPiecesWholeAndResegmentsUnusedOnes(@TempDir Path dir) throws IOException {
        var proto = MalformedTokenizerTest.tinyModel(new MalformedTokenizerTest.Proto().varint(3, 2), null)
                .piece("<tool>", 0, 4) // USER_DEFINED, id 8
                .piece("▁ab", 5, 5); // UNUSED, id 9: BPE may form it but must split it back
        Files.write(dir.resolve("tokenizer.model"), proto.toBytes());
        Tokenizer t = TokenizerLoader.load(dir);
        // "<tool>" is one symbol (after the dummy prefix "▁") though its characters are unknown to the model.
        assertEquals(List.of(5, 8), ids(t.encode("<tool>")));
        assertEquals(List.of(3, 8, 7), ids(t.encode("a<tool>b")));
        // ▁ab scores highest and is unused: sentencepiece splits it back into the pair that formed it.
        assertEquals(List.of(3, 7), ids(t.encode("ab")));
    }

    static List<Integer> ids(int[] ids) {
        return java.util.Arrays.stream(ids).boxed().toList();
    }
}
