package dev.signet.engine.medusa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.medusa.MedusaFormatException.Check;
import dev.signet.engine.model.LlamaConfig;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.SafetensorsFile;
import dev.signet.engine.safetensors.SafetensorsWriter;
import dev.signet.engine.safetensors.SafetensorsWriter.PendingTensor;
import dev.signet.engine.safetensors.TensorEntry;
import dev.signet.engine.testing.Backends;
import dev.signet.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Heads that must not load, each made from the fixture heads of stories260K with one thing wrong: the error
 * is a {@link MedusaFormatException} that names the check and, where one is at fault, the tensor.
 */
class MalformedHeadsTest {
    private static final Path FIXTURE = Fixtures.path("medusa/stories260K");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;
    private LlamaConfig model;
    private Backend backend;
    private SafetensorsFile source;

    @BeforeEach
    void open() {
        model = LlamaConfig.read(Fixtures.path("stories260K"));
        backend = Backends.open("reference");
        source = SafetensorsFile.open(FIXTURE.resolve(MedusaHeads.FILE));
    }

    @AfterEach
    void close() {
        source.close();
        backend.close();
    }

    @Test
    void theUntouchedCopyLoads() throws IOException {
        write(config -> {}, tensors -> {});
        try (MedusaHeads heads = MedusaHeads.load(dir, model, backend)) {
            assertThat(heads.count()).isEqualTo(3);
        }
    }

    @Test
    void rejectsAMatrixOfTheWrongShape() throws IOException {
        write(config -> {}, tensors -> replace(tensors, "medusa_head.1.0.linear.weight", DType.F32, 64, 32));
        assertRejected(Check.SHAPE, "medusa_head.1.0.linear.weight").hasMessageContaining("[64, 32]").hasMessageContaining("[64, 64]");
    }

    @Test
    void rejectsABiasOfTheWrongShape() throws IOException {
        write(config -> {}, tensors -> replace(tensors, "medusa_head.0.0.linear.bias", DType.F32, 1, 64));
        assertRejected(Check.SHAPE, "medusa_head.0.0.linear.bias").hasMessageContaining("[1, 64]");
    }

    @Test
    void rejectsAMissingTensor() throws IOException {
        write(config -> {}, tensors -> tensors.removeIf(t -> t.name().equals("medusa_head.2.0.linear.bias")));
        assertRejected(Check.TENSOR_LIST, "medusa_head.2.0.linear.bias").hasMessageContaining("missing 1 tensor");
    }

    @Test
    void rejectsAnExtraTensor() throws IOException {
        write(config -> {}, tensors -> tensors.add(PendingTensor.ofFloats("medusa_head.3.0.linear.bias", new long[] {64}, new float[64])));
        assertRejected(Check.TENSOR_LIST, "medusa_head.3.0.linear.bias").hasMessageContaining("unexpected 1 tensor");
    }

    @Test
    void rejectsHeadsOfAnotherHiddenSizeThanTheModel() throws IOException {
        write(config -> config.put("hidden_size", 128), tensors -> {});
        assertRejected(Check.MODEL, null).hasMessageContaining("hidden_size 128").hasMessageContaining("64");
    }

    @Test
    void rejectsHeadsOfAnotherVocabularyThanTheModel() throws IOException {
        write(config -> config.put("vocab_size", 32000), tensors -> {});
        assertRejected(Check.MODEL, null).hasMessageContaining("vocab_size 32000");
    }

    @Test
    void rejectsIntegerWeights() throws IOException {
        write(config -> {}, tensors -> replace(tensors, "medusa_head.0.0.linear.weight", DType.I32, 64, 64));
        assertRejected(Check.DTYPE, "medusa_head.0.0.linear.weight").hasMessageContaining("I32");
    }

    @Test
    void rejectsDeclaredOwnProjectionsThatAreNotThere() throws IOException {
        write(config -> config.put("shares_lm_head", false), tensors -> {});
        assertRejected(Check.TENSOR_LIST, "medusa_head.0.1.weight")
                .hasMessageContaining("missing 3 tensors").hasMessageContaining("own vocabulary projection");
    }

    @Test
    void rejectsOwnProjectionsOnSomeHeadsOnly() throws IOException {
        write(config -> config.remove("shares_lm_head"),
                tensors -> tensors.add(PendingTensor.ofFloats("medusa_head.0.1.weight", new long[] {512, 64}, new float[512 * 64])));
        assertRejected(Check.TENSOR_LIST, "medusa_head.1.1.weight").hasMessageContaining("inferred from the tensors");
    }

    @Test
    void rejectsAConfigWithoutHeadCount() throws IOException {
        write(config -> config.remove("medusa_num_heads"), tensors -> {});
        assertRejected(Check.CONFIG, null).hasMessageContaining("'medusa_num_heads' is missing");
    }

    @Test
    void rejectsANonBooleanSharesLmHead() throws IOException {
        write(config -> config.put("shares_lm_head", "yes"), tensors -> {});
        assertRejected(Check.CONFIG, null).hasMessageContaining("'shares_lm_head' must be true or false");
    }

    @Test
    void rejectsAFolderWithoutTheHeadsFile() throws IOException {
        write(config -> {}, tensors -> {});
        Files.delete(dir.resolve(MedusaHeads.FILE));
        assertRejected(Check.FILE, null).hasMessageContaining(MedusaHeads.FILE);
    }

    private AbstractThrowableAssert<?, ? extends Throwable> assertRejected(Check check, String tensor) {
        return assertThatThrownBy(() -> MedusaHeads.load(dir, model, backend).close())
                .isInstanceOfSatisfying(MedusaFormatException.class, e -> {
                    assertThat(e.check()).isEqualTo(check);
                    assertThat(e.tensor()).isEqualTo(java.util.Optional.ofNullable(tensor));
                })
                .hasMessageContaining(check.label() + " check failed")
                .hasMessageContaining(tensor == null ? "" : "'" + tensor + "'");
    }

    /** The fixture's config and tensors, each changed by its edit, written into the test's folder. */
    private void write(Consumer<ObjectNode> configEdit, Consumer<List<PendingTensor>> tensorEdit) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(Files.readString(FIXTURE.resolve(MedusaConfig.FILE)));
        configEdit.accept(config);
        Files.writeString(dir.resolve(MedusaConfig.FILE), JSON.writeValueAsString(config));
        List<PendingTensor> tensors = new ArrayList<>();
        for (TensorEntry t : source.tensors().values()) {
            tensors.add(PendingTensor.copyOf(t.name(), t.dtype(), t.shape(), t.data()));
        }
        tensorEdit.accept(tensors);
        SafetensorsWriter.write(dir.resolve(MedusaHeads.FILE), Map.of("format", "pt"), tensors);
    }

    /** Puts a zero tensor of another dtype or shape in place of {@code name}. */
    private static void replace(List<PendingTensor> tensors, String name, DType dtype, long... shape) {
        tensors.removeIf(t -> t.name().equals(name));
        tensors.add(new PendingTensor(name, dtype, shape, target -> target.fill((byte) 0)));
    }
}
