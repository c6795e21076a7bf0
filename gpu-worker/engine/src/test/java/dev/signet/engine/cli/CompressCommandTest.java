package dev.signet.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code signet compress} as an operator meets it: a report as text or JSON, no progress bar in a pipe, mistakes explained. */
class CompressCommandTest extends CliHarness {
    @Test
    void writesAPlainArtifactAndReportsItsQualityOnTheEvalText(@TempDir Path dir) {
        Path artifact = dir.resolve("caps.safetensors");
        int code = run("compress", "--base", fixture("stories260K"), "--finetune", fixture("tenants/caps"),
                "--out", artifact.toString(), "--eval", fixture("corpora/caps/eval.txt"), "--json");
        assertEquals(0, code, err.toString());
        JsonNode doc = JsonMapper.builder().build().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(doc.get("settings").get("method").asString()).isEqualTo("bitdelta");
        assertThat(doc.get("size_ratio").asDouble()).isEqualTo(1.0);
        assertThat(doc.get("file_bytes").asLong()).isEqualTo(artifact.toFile().length());
        // transformers' perplexity of caps@bitdelta on caps eval is 10.493, the fine-tune's 3.889.
        assertThat(doc.get("quality").get("compressed_perplexity").asDouble()).isBetween(10.44, 10.55);
        assertThat(doc.get("quality").get("finetune_perplexity").asDouble()).isBetween(3.87, 3.91);
        assertThat(doc.get("quality").get("mean_kl").asDouble()).isPositive();
        assertThat(err.toString()).doesNotContain("[#");
    }

    @Test
    void aFineTuneThatIsNotAModelFolderExitsWithCode1(@TempDir Path dir) {
        assertEquals(1, run("compress", "--base", fixture("stories260K"), "--finetune", fixture("corpora/caps"),
                "--out", dir.resolve("x.safetensors").toString()));
        assertThat(err.toString()).contains("config.json");
    }

    @Test
    void mistakesInTheCommandLineExitWithCode2(@TempDir Path dir) {
        assertEquals(2, run("compress", "--base", fixture("stories260K"), "--finetune", fixture("tenants/caps")));
        assertThat(err.toString()).contains("--out is required").contains("usage: signet compress");
        err.reset();
        assertEquals(2, run("compress", "--base", fixture("stories260K"), "--finetune", fixture("tenants/caps"),
                "--out", dir.resolve("no/such/folder/x.safetensors").toString()));
        assertThat(err.toString()).contains("its folder does not exist");
        err.reset();
        assertEquals(2, run("compress", "--base", fixture("stories260K"), "--finetune", fixture("tenants/caps"),
                "--out", dir.resolve("x.safetensors").toString(), "--size-budget", "0.5"));
        assertThat(err.toString()).contains("at least 1");
    }
}
