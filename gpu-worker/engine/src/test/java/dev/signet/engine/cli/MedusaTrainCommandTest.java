package dev.signet.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.signet.engine.medusa.training.HeadParameters;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.SafetensorsFile;
import dev.signet.engine.safetensors.TensorEntry;
import dev.signet.engine.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code signet medusa-train} as an operator meets it: heads in Medusa's files, a report, mistakes explained. Runs are tiny. */
class MedusaTrainCommandTest extends CliHarness {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void writesHeadsConfigAndReportInTheFixturesFormat(@TempDir Path dir) throws Exception {
        Path heads = dir.resolve("heads");  // created by the command
        int code = run("medusa-train", "--model", fixture("stories260K"), "--out", heads.toString(),
                "--tokens", fixture("medusa/stories260K/selfgen.safetensors"), "--samples", "12", "--heldout", "4",
                "--steps", "4", "--batch", "4", "--threads", "2", "--json");
        assertEquals(0, code, err.toString());

        Path fixtureHeads = Fixtures.path("medusa/stories260K");
        assertThat(Files.readString(heads.resolve("config.json"))).isEqualTo(Files.readString(fixtureHeads.resolve("config.json")));
        try (SafetensorsFile mine = SafetensorsFile.open(heads.resolve("medusa_heads.safetensors"));
             SafetensorsFile theirs = SafetensorsFile.open(fixtureHeads.resolve("medusa_heads.safetensors"))) {
            assertThat(mine.metadata()).isEqualTo(Map.of("format", "pt"));
            assertThat(mine.tensors().keySet()).containsExactlyElementsOf(theirs.tensors().keySet());
            for (TensorEntry t : mine.tensors().values()) {
                assertThat(t.dtype()).isEqualTo(DType.F32);
                assertThat(t.shape()).isEqualTo(theirs.tensor(t.name()).shape());
            }
        }
        assertThat(Files.size(heads.resolve("medusa_heads.safetensors"))).isEqualTo(Files.size(fixtureHeads.resolve("medusa_heads.safetensors")));
        assertThat(HeadParameters.read(heads.resolve("medusa_heads.safetensors")).heads()).isEqualTo(3);

        JsonNode report = JSON.readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(JSON.readTree(Files.readString(heads.resolve("training.json")))).isEqualTo(report);
        assertThat(report.get("samples_train").asInt()).isEqualTo(12);
        assertThat(report.get("samples_heldout").asInt()).isEqualTo(4);
        assertThat(report.get("steps").asInt()).isEqualTo(4);
        assertThat(report.get("sample_length").isNull()).isTrue();
        assertThat(report.get("history").size()).isEqualTo(4);
        assertThat(report.get("heldout_acc").size()).isEqualTo(3);
        for (JsonNode head : report.get("heldout_acc")) {
            assertThat(head.get("predicts").asString()).isEqualTo("t+" + (head.get("head").asInt() + 2));
            assertThat(head.get("top5").asDouble()).isBetween(head.get("top1").asDouble(), 1.0);
            assertThat(head.get("positions").asLong()).isPositive();
        }
        // The model's own next-token accuracy on the fixture's samples is about 76% (75.9% on all 400).
        assertThat(report.get("base_lm_head_next_token_acc").get("top1").asDouble()).isBetween(0.6, 0.9);
        assertThat(err.toString()).doesNotContain("[#");
    }

    @Test
    void selfDistillsATenantsDeltaWhenGivenNoText(@TempDir Path dir) throws Exception {
        int code = run("medusa-train", "--model", fixture("stories260K"), "--delta", Fixtures.repoRoot().resolve("models/deltas/caps.safetensors").toString(),
                "--out", dir.toString(), "--samples", "6", "--heldout", "2", "--sample-length", "24", "--heads", "2", "--layers", "2",
                "--steps", "2", "--batch", "3", "--threads", "2");
        assertEquals(0, code, err.toString());
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("held-out accuracy").contains("head 1   (t+3)").doesNotContain("head 2");
        JsonNode report = JSON.readTree(Files.readString(dir.resolve("training.json")));
        assertThat(report.get("source").asString()).isEqualTo("self-generated");
        assertThat(report.get("base_model").asString()).isEqualTo("caps");
        assertThat(report.get("temperature").asDouble()).isEqualTo(0.7, within(1e-6));
        assertThat(report.get("train_tokens").asLong()).isBetween(6L * 2, 6L * 24);
        JsonNode config = JSON.readTree(Files.readString(dir.resolve("config.json")));
        assertThat(config.get("medusa_num_heads").asInt()).isEqualTo(2);
        assertThat(config.get("medusa_num_layers").asInt()).isEqualTo(2);
        assertThat(config.get("base_model").asString()).isEqualTo("caps");
        try (SafetensorsFile heads = SafetensorsFile.open(dir.resolve("medusa_heads.safetensors"))) {
            assertThat(heads.tensors().keySet()).containsExactly(
                    "medusa_head.0.0.linear.bias", "medusa_head.0.0.linear.weight", "medusa_head.0.1.linear.bias", "medusa_head.0.1.linear.weight",
                    "medusa_head.1.0.linear.bias", "medusa_head.1.0.linear.weight", "medusa_head.1.1.linear.bias", "medusa_head.1.1.linear.weight");
        }
    }

    @Test
    void trainsOnWindowsOfAText(@TempDir Path dir) throws Exception {
        int code = run("medusa-train", "--model", fixture("stories260K"), "--out", dir.toString(), "--text", fixture("corpora/stories/eval.txt"),
                "--samples", "4", "--heldout", "1", "--sample-length", "64", "--steps", "2", "--batch", "2", "--threads", "2", "--json");
        assertEquals(0, code, err.toString());
        JsonNode report = JSON.readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(report.get("source").asString()).startsWith("text ");
        assertThat(report.get("train_tokens").asLong()).isEqualTo(4 * 64);
        assertThat(report.get("heldout_tokens").asLong()).isEqualTo(64);
        assertThat(report.get("sample_length").asInt()).isEqualTo(64);
        assertThat(report.get("temperature").isNull()).isTrue();
    }

    @Test
    void mistakesInTheCommandLineExitWithCode2(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "");
        String model = fixture("stories260K");
        String tokens = fixture("medusa/stories260K/selfgen.safetensors");
        List<List<String>> cases = List.of(
                List.of("--model", model),
                List.of("--model", model, "--out", dir.toString(), "--heads", "0"),
                List.of("--model", model, "--out", dir.toString(), "--layers", "0"),
                List.of("--model", model, "--out", dir.toString(), "--steps", "0"),
                List.of("--model", model, "--out", dir.toString(), "--lr", "0"),
                List.of("--model", model, "--out", dir.toString(), "--lr", "fast"),
                List.of("--model", model, "--out", dir.toString(), "--steps", "10", "--warmup", "10"),
                List.of("--model", model, "--out", dir.toString(), "--samples", "0"),
                List.of("--model", model, "--out", dir.toString(), "--sample-length", "2"),
                List.of("--model", model, "--out", dir.toString(), "--text", tokens, "--tokens", tokens),
                List.of("--model", model, "--out", dir.toString(), "--tokens", tokens, "--temperature", "1"),
                List.of("--model", model, "--out", dir.toString(), "--tokens", tokens, "--sample-length", "64"),
                List.of("--model", model, "--out", file.toString()),
                List.of("--model", model, "--out", dir.resolve("no/such/parent").toString()),
                List.of("--model", model, "--out", dir.toString(), "--tokens", dir.resolve("missing").toString()),
                List.of("--model", model, "--out", dir.toString(), "--epochs", "3"));
        List<String> messages = List.of("--out is required", "heads and layers must be at least 1, got 0 and 1",
                "heads and layers must be at least 1, got 3 and 0", "steps and batch must be at least 1, got 0 and 64",
                "the learning rate must be a positive number, got 0.0", "--lr expects a number, got 'fast'",
                "warm-up steps must be in [0, steps), got 10 for 10 steps", "--samples must be at least 1", "--sample-length must be at least 3",
                "give --text or --tokens, not both", "--temperature applies to self-generated samples only",
                "--sample-length does not apply to --tokens", "is a file",
                "its parent folder does not exist", "is not a file", "unknown option --epochs");
        for (int i = 0; i < cases.size(); i++) {
            err.reset();
            String[] args = Stream.concat(Stream.of("medusa-train"), cases.get(i).stream()).toArray(String[]::new);
            assertThat(run(args)).as("exit code of %s", cases.get(i)).isEqualTo(2);
            assertThat(err.toString()).as("message for %s", cases.get(i)).contains(messages.get(i)).contains("usage: signet medusa-train");
        }
        assertThat(dir.resolve("medusa_heads.safetensors")).doesNotExist();
    }
}
