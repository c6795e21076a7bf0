package dev.signet.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signet.engine.safetensors.SafetensorsException;
import dev.signet.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken model folder is refused with an error that names the file and the check, never a stack of nulls. */
class MalformedCheckpointTest {
    @TempDir
    Path dir;

    @BeforeEach
    void copyFixtureModel() throws IOException {
        try (Stream<Path> files = Files.list(Fixtures.path("stories260K"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                dir.resolve(f.getFileName()).toFile().setWritable(true);
            }
        }
    }

    @Test
    void opensTheIntactCopy() {
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(dir)) {
            assertThat(ckpt.config().numKvHeads()).isEqualTo(4);
            assertThat(ckpt.stopTokenIds()).containsExactlyInAnyOrder(1, 2);
        }
    }

    @Test
    void rejectsATruncatedWeightsFile() throws IOException {
        Path weights = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThat(assertThrows(SafetensorsException.class, () -> LlamaCheckpoint.open(dir)).getMessage())
                .contains("model.safetensors").contains("truncated");
    }

    @Test
    void rejectsAConfigMissingARequiredKey() throws IOException {
        editConfig("\"hidden_size\": 64,", "");
        assertThat(assertThrows(ModelFormatException.class, () -> LlamaCheckpoint.open(dir)).getMessage())
                .contains("config.json").contains("'hidden_size' is missing");
    }

    @Test
    void rejectsAnUnknownArchitecture() throws IOException {
        editConfig("\"LlamaForCausalLM\"", "\"MambaForCausalLM\"");
        assertThat(assertThrows(ModelFormatException.class, () -> LlamaCheckpoint.open(dir)).getMessage())
                .contains("unsupported architecture [MambaForCausalLM]");
    }

    @Test
    void rejectsAConfigWhoseShapesDisagreeWithTheWeights() throws IOException {
        editConfig("\"intermediate_size\": 172", "\"intermediate_size\": 176");
        assertThat(assertThrows(ModelFormatException.class, () -> LlamaCheckpoint.open(dir)).getMessage())
                .contains("model.layers.0.mlp.gate_proj.weight").contains("has shape [172, 64] but config.json implies [176, 64]");
    }

    @Test
    void rejectsATokenizerLargerThanTheVocabulary() throws IOException {
        editConfig("\"vocab_size\": 512", "\"vocab_size\": 500");
        assertThat(assertThrows(ModelFormatException.class, () -> LlamaCheckpoint.open(dir)).getMessage())
                .contains("tokenizer produces ids up to 511 but config.json's vocab_size is 500");
    }

    @Test
    void rejectsWeightsOfANonFloatDtype() throws IOException {
        Path weights = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        String all = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        // The final norm is [64] F32 (256 bytes); relabel it I32 (same size) so only the dtype check can object.
        int at = all.indexOf("\"model.norm.weight\":{\"dtype\":\"F32\"");
        assertThat(at).isPositive();
        int dtypeAt = all.indexOf("F32", at);
        bytes[dtypeAt] = 'I';
        Files.write(weights, bytes);
        assertThat(assertThrows(ModelFormatException.class, () -> LlamaCheckpoint.open(dir)).getMessage())
                .contains("model.norm.weight").contains("has dtype I32; weights must be [F32, F16, BF16]");
    }

    @Test
    void rejectsAMissingTokenizer() throws IOException {
        Files.delete(dir.resolve("tokenizer.json"));
        Files.delete(dir.resolve("tokenizer.model"));
        assertThat(assertThrows(RuntimeException.class, () -> LlamaCheckpoint.open(dir)).getMessage())
                .contains("tokenizer");
    }

    private void editConfig(String from, String to) throws IOException {
        Path config = dir.resolve("config.json");
        String text = Files.readString(config).replaceAll("\\s*\\n\\s*", " ");
        assertThat(text).contains(from);
        Files.writeString(config, text.replace(from, to));
    }
}
