package dev.signet.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signet.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json of the Llama family: shapes, GQA, RoPE variants, and clear refusals. */
class LlamaConfigTest {
    @TempDir
    Path dir;

    @Test
    void readsTheFixtureConfig() {
        LlamaConfig c = LlamaConfig.read(Fixtures.path("stories260K"));
        assertEquals(512, c.vocabSize());
        assertEquals(64, c.hiddenSize());
        assertEquals(172, c.intermediateSize());
        assertEquals(5, c.numLayers());
        assertEquals(8, c.numHeads());
        assertEquals(4, c.numKvHeads());
        assertEquals(8, c.headDim());
        assertEquals(32, c.kvDim());
        assertEquals(1e-5f, c.rmsNormEps());
        assertEquals(10000.0, c.ropeTheta());
        assertInstanceOf(RopeScaling.None.class, c.ropeScaling());
        assertEquals(true, c.tieWordEmbeddings());
        assertEquals(List.of(2), c.eosTokenIds());
    }

    @Test
    void defaultFrequenciesFollowTheta() {
        float[] f = new RopeScaling.None().inverseFrequencies(8, 10000);
        assertThat(f).containsExactly(1f, 0.1f, 0.01f, 0.001f);
    }

    /** Llama 3.1's 128k scaling: high frequencies kept, low ones divided by the factor, a smooth blend between. */
    @Test
    void readsLlama31RopeScaling() throws IOException {
        LlamaConfig c = parse("""
                {"architectures": ["LlamaForCausalLM"], "vocab_size": 128256, "hidden_size": 4096, "intermediate_size": 14336,
                 "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 131072,
                 "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": false,
                 "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                 "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009]}
                """);
        assertEquals(8, c.numKvHeads());
        assertEquals(128, c.headDim());
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        float[] scaled = c.ropeScaling().inverseFrequencies(128, c.ropeTheta());
        float[] plain = new RopeScaling.None().inverseFrequencies(128, c.ropeTheta());
        for (int i = 0; i < 64; i++) {
            double wavelen = 2 * Math.PI / plain[i];
            double expected;
            if (wavelen < 8192 / 4.0) {
                expected = plain[i];
            } else if (wavelen > 8192 / 1.0) {
                expected = plain[i] / 8.0;
            } else {
                double smooth = (8192 / wavelen - 1.0) / (4.0 - 1.0);
                expected = (1 - smooth) * plain[i] / 8 + smooth * plain[i];
            }
            assertEquals(expected, scaled[i], Math.abs(expected) * 1e-6, "frequency " + i);
        }
        assertEquals(plain[0], scaled[0]);
        assertEquals(plain[63] / 8f, scaled[63], plain[63] * 1e-6f);
    }

    @Test
    void readsTransformers5RopeParameters() throws IOException {
        LlamaConfig c = parse(minimal().replace("\"rope_theta\": 10000.0",
                "\"rope_parameters\": {\"rope_type\": \"linear\", \"factor\": 2.0, \"rope_theta\": 40000.0}"));
        assertEquals(40000.0, c.ropeTheta());
        assertEquals(new RopeScaling.Linear(2.0), c.ropeScaling());
    }

    @Test
    void refusesWhatItCannotServe() throws IOException {
        assertThat(message(minimal().replace("\"rope_theta\": 10000.0", "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}")))
                .contains("rope scaling type 'yarn' is not supported");
        assertThat(message(minimal().replace("\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\"")))
                .contains("only silu (SwiGLU) is supported");
        assertThat(message(minimal().replace("\"num_key_value_heads\": 4", "\"num_key_value_heads\": 3")))
                .contains("num_attention_heads 8 is not a multiple of num_key_value_heads 3");
        assertThat(message(minimal().replace("\"hidden_act\"", "\"attention_bias\": true, \"hidden_act\"")))
                .contains("'attention_bias' is true");
        assertThat(message(minimal().replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": \"two\"")))
                .contains("'num_hidden_layers' must be a positive integer");
        assertThat(message(minimal().replace("[\"LlamaForCausalLM\"]", "[]").replace("\"model_type\": \"llama\",", "")))
                .contains("neither 'architectures' nor 'model_type'");
        assertThat(message("[1]")).contains("not a JSON object");
    }

    private static String minimal() {
        return """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 100, "hidden_size": 64,
                 "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 4,
                 "max_position_embeddings": 256, "rms_norm_eps": 1e-06, "rope_theta": 10000.0, "hidden_act": "silu"}
                """;
    }

    private LlamaConfig parse(String json) throws IOException {
        Files.writeString(dir.resolve("config.json"), json);
        return LlamaConfig.read(dir);
    }

    private String message(String json) throws IOException {
        Files.writeString(dir.resolve("config.json"), json);
        return assertThrows(ModelFormatException.class, () -> LlamaConfig.read(dir)).getMessage();
    }
}
