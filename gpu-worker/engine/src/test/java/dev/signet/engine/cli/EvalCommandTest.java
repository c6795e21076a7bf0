package dev.signet.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.signet.engine.testing.ReferenceOracle;
import dev.signet.engine.testing.TenantDeltas;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code signet eval} as a user meets it: the protocol's perplexity as text or JSON, and mistakes explained. */
class EvalCommandTest extends CliHarness {
    @Test
    void jsonGivesTheReferencePerplexityOfTheBaseOnStories() {
        int code = run("eval", "--model", fixture("stories260K"), "--text", fixture("corpora/stories/eval.txt"), "--json",
                "--threads", "2");
        assertEquals(0, code, err.toString());
        JsonNode doc = JsonMapper.builder().build().readTree(out.toString(StandardCharsets.UTF_8));
        double expected = ReferenceOracle.root().get("perplexity").get("table").get("base").get("stories").asDouble();
        assertThat(doc.get("perplexity").asDouble()).isCloseTo(expected, withinPercentage(0.5));
        assertThat(doc.get("mean_nll").asDouble()).isCloseTo(Math.log(expected), withinPercentage(0.5));
        assertThat(doc.get("tokens_scored").asLong()).isEqualTo(16320);
        assertThat(doc.get("windows").asInt()).isEqualTo(64);
        assertThat(doc.get("window_length").asInt()).isEqualTo(256);
        assertThat(doc.get("backend").asString()).isEqualTo("cpu");
        assertThat(doc.get("delta").isNull()).isTrue();
        assertThat(doc.get("seconds").asDouble()).isPositive();
    }

    @Test
    void textNamesPerplexityTokensWindowsAndSeconds() {
        int code = run("eval", "--model", fixture("tenants/caps"), "--text", fixture("corpora/caps/eval.txt"), "--windows", "4",
                "--threads", "2");
        assertEquals(0, code, err.toString());
        assertThat(out.toString(StandardCharsets.UTF_8))
                .containsPattern("perplexity +\\d+\\.\\d{4}")
                .contains("tokens scored  1020")
                .contains("windows        4 of 256 tokens")
                .containsPattern("seconds +\\d+\\.\\d\\d \\(backend cpu\\)");
    }

    @Test
    void mistakesInTheCommandLineExitWithCode2(@TempDir Path dir) throws Exception {
        assertEquals(2, run("eval", "--model", fixture("stories260K")));
        assertThat(err.toString()).contains("--text is required").contains("usage: signet eval");
        err.reset();
        assertEquals(2, run("eval", "--model", fixture("stories260K"), "--text", fixture("corpora/caps/eval.txt"), "--windows", "0"));
        assertThat(err.toString()).contains("--windows must be at least 1, got 0");
        err.reset();
        assertEquals(2, run("eval", "--model", fixture("stories260K"), "--text", fixture("corpora/caps/eval.txt"),
                "--delta", dir.resolve("missing.safetensors").toString()));
        assertThat(err.toString()).contains("--delta " + dir.resolve("missing.safetensors") + " is not a file");
    }

    @Test
    void aDeltaThatIsNotAnArtifactExitsWithCode1NamingTheCheck(@TempDir Path dir) throws Exception {
        Path artifact = Files.writeString(dir.resolve("caps.safetensors"), "");
        assertEquals(1, run("eval", "--model", fixture("stories260K"), "--text", fixture("corpora/caps/eval.txt"),
                "--delta", artifact.toString(), "--windows", "1"));
        assertThat(err.toString()).contains("format check failed");
    }

    @Test
    void scoresAModelUnderADelta() throws Exception {
        assertEquals(0, run("eval", "--model", fixture("stories260K"), "--text", fixture("corpora/caps/eval.txt"),
                "--delta", TenantDeltas.plain("caps").toString(), "--json"));
        JsonNode doc = JsonMapper.builder().build().readTree(out.toString());
        double expected = ReferenceOracle.root().get("perplexity").get("table").get("caps@bitdelta").get("caps").asDouble();
        assertThat(doc.get("perplexity").asDouble()).isCloseTo(expected, withinPercentage(0.5));
        assertThat(doc.get("delta").asString()).endsWith("caps.safetensors");
    }

    @Test
    void aMissingTextFileExitsWithCode1AndNamesIt(@TempDir Path dir) {
        Path missing = dir.resolve("eval.txt");
        assertEquals(1, run("eval", "--model", fixture("stories260K"), "--text", missing.toString()));
        assertThat(err.toString()).isEqualTo("signet eval: " + missing + ": file is missing" + System.lineSeparator());
    }

    @Test
    void helpListsEvalAndItsOptions() {
        assertEquals(0, run("--help"));
        assertThat(out.toString()).contains("eval");
        out.reset();
        assertEquals(0, run("eval", "--help"));
        assertThat(out.toString()).contains("--text FILE").contains("--delta FILE").contains("--windows N").contains("--backend");
    }
}
