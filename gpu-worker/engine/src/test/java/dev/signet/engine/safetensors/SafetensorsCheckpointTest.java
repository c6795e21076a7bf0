package dev.signet.engine.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signet.engine.safetensors.SafetensorsWriter.PendingTensor;
import dev.signet.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint folders with one file or several shards named by model.safetensors.index.json. */
class SafetensorsCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void shardedCheckpointHoldsTheSameTensorsAsTheSingleFile() throws IOException {
        writeShardsOfFixture();
        try (SafetensorsCheckpoint single = SafetensorsCheckpoint.open(Fixtures.path("stories260K"));
             SafetensorsCheckpoint sharded = SafetensorsCheckpoint.open(dir)) {
            assertEquals(single.tensors().keySet(), sharded.tensors().keySet());
            for (String name : single.tensors().keySet()) {
                assertEquals(-1L, single.tensor(name).data().mismatch(sharded.tensor(name).data()), name);
            }
            assertThat(sharded.tensor("model.norm.weight").file().getFileName().toString()).isEqualTo("model-00002-of-00002.safetensors");
        }
    }

    @Test
    void rejectsAnIndexNamingATensorItsShardLacks() throws IOException {
        writeShardsOfFixture();
        Path index = dir.resolve(SafetensorsCheckpoint.INDEX_FILE);
        Files.writeString(index, Files.readString(index).replace("}}", ", \"ghost.weight\": \"model-00001-of-00002.safetensors\"}}"));
        assertThat(assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir)).getMessage())
                .contains("ghost.weight").contains("that shard has no such tensor");
    }

    @Test
    void rejectsAnIndexNamingAMissingShard() throws IOException {
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), "{\"weight_map\": {\"a\": \"../escape.safetensors\"}}");
        assertThat(assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir)).getMessage())
                .contains("shard '../escape.safetensors' is not a file in");
    }

    @Test
    void saysWhatIsMissingInAnEmptyFolder() {
        assertThat(assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir)).getMessage())
                .contains("neither model.safetensors nor model.safetensors.index.json exists");
    }

    /** Splits the fixture model into two shards (layers 0-2, the rest) with an index, as Hugging Face writes them. */
    private void writeShardsOfFixture() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.path("stories260K/model.safetensors"))) {
            List<PendingTensor> first = new ArrayList<>();
            List<PendingTensor> second = new ArrayList<>();
            StringBuilder map = new StringBuilder();
            for (TensorEntry t : f.tensors().values()) {
                boolean early = t.name().matches("model\\.(embed_tokens|layers\\.[0-2]\\.).*");
                (early ? first : second).add(PendingTensor.copyOf(t.name(), t.dtype(), t.shape(), t.data()));
                String shard = early ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
                map.append(map.isEmpty() ? "" : ", ").append('"').append(t.name()).append("\": \"").append(shard).append('"');
            }
            SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), Map.of("format", "pt"), first);
            SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), Map.of("format", "pt"), second);
            Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE),
                    "{\"metadata\": {\"total_size\": 1044736}, \"weight_map\": {" + map + "}}");
        }
    }
}
