package dev.signet.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.engine.testing.Fixtures;
import dev.signet.engine.testing.ReferenceOracle;
import dev.signet.engine.tokenizer.Tokenizer;
import dev.signet.engine.tokenizer.TokenizerLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The perplexity protocol's windows, built from eval.txt, against the fixtures' own eval_tokens.json. */
class EvalWindowsTest {
    static final Tokenizer STORIES = TokenizerLoader.load(Fixtures.path("stories260K"));

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"caps", "pycode", "legal", "stories"})
    void reproducesTheReferenceWindowsOfEveryEvalSet(String set) throws Exception {
        JsonNode expected = JsonMapper.builder().build()
                .readTree(Files.readString(Fixtures.path("reference/eval_tokens.json"))).get(set);
        EvalWindows windows = EvalWindows.read(Fixtures.path("corpora/" + set + "/eval.txt"), STORIES);

        assertThat(windows.count()).isEqualTo(expected.size()).isEqualTo(64);
        assertThat(windows.length()).isEqualTo(256);
        assertThat(windows.predictedTokens()).isEqualTo(16320);
        for (int k = 0; k < windows.count(); k++) {
            assertThat(windows.window(k)).as(set + " window " + k).containsExactly(ReferenceOracle.ints(expected.get(k)));
        }
    }

    @Test
    void countAndLengthAreParametersAndWindowsTileTheSameStream() {
        Path caps = Fixtures.path("corpora/caps/eval.txt");
        EvalWindows protocol = EvalWindows.read(caps, STORIES);
        EvalWindows halves = EvalWindows.read(caps, STORIES, 8, 128);
        assertThat(halves.count()).isEqualTo(8);
        for (int k = 0; k < 8; k++) {
            int[] whole = protocol.window(k / 2);
            assertThat(halves.window(k)).containsExactly(java.util.Arrays.copyOfRange(whole, (k % 2) * 128, (k % 2) * 128 + 128));
        }
    }

    @Test
    void aShortTextGivesTheFullWindowsItHoldsAndDropsThePartialOne(@TempDir Path dir) throws Exception {
        String doc = "Once upon a time, there was a little girl named Lily.";
        int[] ids = STORIES.encode(doc);
        int perDoc = 1 + ids.length;
        Path text = dir.resolve("short.txt");
        Files.writeString(text, (doc + EvalWindows.SEPARATOR).repeat(10));
        // 10 documents hold 10 · perDoc tokens: four full windows of 2 · perDoc + 1, and a partial fifth.
        EvalWindows windows = EvalWindows.read(text, STORIES, 64, 2 * perDoc + 1);
        assertThat(windows.count()).isEqualTo(4);
        assertThat(java.util.Arrays.copyOf(windows.window(0), perDoc)).startsWith(1).endsWith(ids);
        assertThat(windows.window(1)[0]).as("the third document, after its BOS").isEqualTo(ids[0]);
    }

    @Test
    void aTextWithoutOneFullWindowIsRefusedWithItsTokenCount(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("tiny.txt");
        Files.writeString(text, "Once upon a time" + EvalWindows.SEPARATOR);
        assertThatThrownBy(() -> EvalWindows.read(text, STORIES))
                .isInstanceOf(EvalTextException.class)
                .hasMessageContaining("tiny.txt")
                .hasMessageContaining("too few for one window of 256");
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> EvalWindows.read(dir.resolve("nope.txt"), STORIES))
                .isInstanceOf(EvalTextException.class)
                .hasMessage(dir.resolve("nope.txt") + ": file is missing");
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedWithTheirOffset(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("latin1.txt");
        Files.write(text, new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
        assertThatThrownBy(() -> EvalWindows.read(text, STORIES))
                .isInstanceOf(EvalTextException.class)
                .hasMessageContaining("not valid UTF-8 (first bad byte at offset 3)");
    }
}
