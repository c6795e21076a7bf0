package dev.signet.engine.bitdelta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.bench.SyntheticLlama;
import dev.signet.engine.bitdelta.BitDeltaException.Check;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.LittleEndian;
import dev.signet.engine.testing.TenantDeltas;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A delta for another base, an altered or truncated artifact, and a mismatched fine-tune are refused, each by its check. */
class ArtifactChecksTest {
    static LlamaCheckpoint base;

    @TempDir
    Path tmp;

    @BeforeAll
    static void openBase() {
        base = LlamaCheckpoint.open(TenantDeltas.base());
    }

    @AfterAll
    static void closeBase() {
        base.close();
    }

    @Test
    void loadsTheArtifactItWasMadeAgainst() {
        try (BitDeltaArtifact a = BitDeltaArtifact.open(TenantDeltas.plain("caps"), base)) {
            assertThat(a.delta("caps").projections()).hasSize(35);
        }
    }

    @Test
    void rejectsDeltaWhoseBaseDigestDiffers() {
        // pycode has the base's architecture and shapes but other weights: only the digest tells them apart.
        try (LlamaCheckpoint otherBase = LlamaCheckpoint.open(TenantDeltas.tenant("pycode"))) {
            assertThatThrownBy(() -> BitDeltaArtifact.open(TenantDeltas.plain("caps"), otherBase))
                    .isInstanceOfSatisfying(BitDeltaException.class, e -> assertThat(e.check()).isEqualTo(Check.BASE_DIGEST))
                    .hasMessageContaining("base digest check failed").hasMessageContaining("another base model");
        }
    }

    @Test
    void rejectsArtifactWhoseTensorBytesWereAltered() throws Exception {
        Path copy = copy();
        byte[] bytes = Files.readAllBytes(copy);
        bytes[bytes.length - 3] ^= 0x10;  // inside the last stored tensor
        Files.write(copy, bytes);
        assertThatThrownBy(() -> BitDeltaArtifact.open(copy, base))
                .isInstanceOfSatisfying(BitDeltaException.class, e -> assertThat(e.check()).isEqualTo(Check.CHECKSUM))
                .hasMessageContaining("checksum check failed").hasMessageContaining("altered or damaged");
    }

    @Test
    void rejectsTruncatedArtifact() throws Exception {
        Path copy = copy();
        byte[] bytes = Files.readAllBytes(copy);
        Files.write(copy, Arrays.copyOf(bytes, bytes.length - 1000));
        assertThatThrownBy(() -> BitDeltaArtifact.open(copy, base))
                .isInstanceOfSatisfying(BitDeltaException.class, e -> assertThat(e.check()).isEqualTo(Check.FORMAT))
                .hasMessageContaining("truncated");
    }

    @Test
    void rejectsArtifactOfAnotherFormatVersion() throws Exception {
        Path copy = editHeader("\"format_version\":\"1\"", "\"format_version\":\"9\"");
        assertThatThrownBy(() -> BitDeltaArtifact.open(copy, base))
                .isInstanceOfSatisfying(BitDeltaException.class, e -> assertThat(e.check()).isEqualTo(Check.VERSION));
    }

    @Test
    void rejectsTensorListNamingATensorTheBaseLacks() throws Exception {
        // The tensor list is a JSON string inside the header: its quotes are escaped there.
        Path copy = editHeader("\\\"model.norm.weight\\\"", "\\\"model.nrom.weight\\\"");
        assertThatThrownBy(() -> BitDeltaArtifact.open(copy, base))
                .isInstanceOfSatisfying(BitDeltaException.class, e -> assertThat(e.check()).isEqualTo(Check.TENSOR_LIST))
                .hasMessageContaining("model.nrom.weight");
    }

    @Test
    void refusesToCompressAFineTuneOfAnotherArchitecture() throws Exception {
        SyntheticLlama other = new SyntheticLlama("other", 512, 64, 128, 5, 8, 4, 512, true);
        Path dir = other.writeTo(tmp.resolve("other"), DType.F32, 7);
        for (String f : new String[] {"tokenizer.json", "tokenizer.model", "tokenizer_config.json"}) {
            Files.copy(TenantDeltas.base().resolve(f), dir.resolve(f));
        }
        try (LlamaCheckpoint tuned = LlamaCheckpoint.open(dir)) {
            Path out = tmp.resolve("never.safetensors");
            assertThatThrownBy(() -> new BitDeltaCompressor(() -> new VectorCpuBackend(2))
                    .compress(base, tuned, out, CompressionOptions.plain(), BitDeltaCompressor.Progress.NONE))
                    .isInstanceOfSatisfying(BitDeltaException.class, e -> assertThat(e.check()).isEqualTo(Check.ARCHITECTURE))
                    .hasMessageContaining("architecture check failed");
            assertThat(out).doesNotExist();
            assertThat(tmp.resolve("never.safetensors.draft")).doesNotExist();
        }
    }

    private Path copy() throws Exception {
        return Files.copy(TenantDeltas.plain("caps"), tmp.resolve("caps.safetensors"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** A copy whose raw JSON header has {@code from} replaced by {@code to} (same length, so offsets stay valid). */
    private Path editHeader(String from, String to) throws Exception {
        assertThat(to).hasSameSizeAs(from);
        Path copy = copy();
        byte[] bytes = Files.readAllBytes(copy);
        int headerLength = (int) java.lang.foreign.MemorySegment.ofArray(bytes).get(LittleEndian.I64, 0);
        String header = new String(bytes, 8, headerLength, StandardCharsets.UTF_8);
        assertThat(header).contains(from);
        byte[] edited = header.replace(from, to).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(edited, 0, bytes, 8, edited.length);
        Files.write(copy, bytes);
        return copy;
    }
}
