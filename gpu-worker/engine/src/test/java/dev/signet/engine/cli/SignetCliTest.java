package dev.signet.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.signet.engine.testing.Fixtures;
import dev.signet.engine.testing.ReferenceOracle;
import dev.signet.engine.testing.ReferenceOracle.PromptReference;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The command line as a user meets it: output, exit codes, and messages for mistakes. */
class SignetCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return SignetCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String model() {
        return Fixtures.repoRoot().resolve("models/stories260K").toString();
    }

    @Test
    void generateJsonGivesTheReferenceGreedyTokensAndSpeeds() {
        PromptReference ref = ReferenceOracle.prompts("base").getFirst();
        int code = run("generate", "--model", model(), "--prompt", ref.prompt(), "--max-tokens", "48", "--ignore-eos", "--json");
        assertEquals(0, code, err.toString());
        JsonNode doc = JsonMapper.builder().build().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(ReferenceOracle.ints(doc.get("prompt_ids"))).containsExactly(ref.inputIds());
        assertThat(ReferenceOracle.ints(doc.get("token_ids"))).containsExactly(ref.greedyIds());
        assertEquals(ref.continuationText(), doc.get("text").asString());
        assertEquals("length", doc.get("finish_reason").asString());
        assertThat(doc.get("prefill_tokens_per_second").asDouble()).isPositive();
        assertThat(doc.get("decode_tokens_per_second").asDouble()).isPositive();
    }

    @Test
    void generateStreamsThePromptAndItsContinuation() {
        int code = run("generate", "--model", model(), "--prompt", "Lily wanted to", "--max-tokens", "20", "--stop", ".");
        assertEquals(0, code, err.toString());
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith("Lily wanted to").doesNotContain(".");
        assertThat(err.toString()).contains("prompt tokens").contains("tok/s decode").contains("stop");
    }

    @Test
    void mistakesExitWithCode2AndSayWhatIsWrong() {
        assertEquals(2, run("generate", "--prompt", "x"));
        assertThat(err.toString()).contains("--model is required").contains("usage: signet generate");
        err.reset();
        assertEquals(2, run("generate", "--model", model(), "--prompt", "x", "--temperature", "hot"));
        assertThat(err.toString()).contains("--temperature expects a number, got 'hot'");
        err.reset();
        assertEquals(2, run("generate", "--model", model(), "--prompt", "x", "--top-p", "2"));
        assertThat(err.toString()).contains("top_p must be in (0, 1]");
        err.reset();
        assertEquals(2, run("generate", "--model", model(), "--prompt", "x", "--frobnicate"));
        assertThat(err.toString()).contains("unknown option --frobnicate");
        err.reset();
        assertEquals(2, run("launch"));
        assertThat(err.toString()).contains("unknown command 'launch'");
    }

    @Test
    void aBrokenModelFolderExitsWithCode1AndNamesTheProblem(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"GPT2LMHeadModel\"]}");
        assertEquals(1, run("generate", "--model", dir.toString(), "--prompt", "x"));
        assertThat(err.toString()).contains("unsupported architecture [GPT2LMHeadModel]");
    }

    @Test
    void helpListsTheCommands() {
        assertEquals(0, run("--help"));
        assertThat(out.toString()).contains("generate").contains("bench").contains("test");
        out.reset();
        assertEquals(0, run("generate", "--help"));
        assertThat(out.toString()).contains("--max-tokens").contains("--seed").contains("--json");
        assertThat(Arrays.asList(out.toString().split("\n"))).anyMatch(l -> l.contains("--backend"));
    }
}
