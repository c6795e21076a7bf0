package dev.signet.engine.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signet.engine.safetensors.SafetensorsWriter.PendingTensor;
import dev.signet.engine.testing.Fixtures;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading real and forged safetensors files: every header check fails with the file, tensor and check named. */
class SafetensorsFileTest {
    @TempDir
    Path dir;

    @Test
    void readsTheFixtureModelInPlace() {
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.path("stories260K/model.safetensors"))) {
            assertEquals(47, f.tensors().size());
            assertEquals(Map.of("format", "pt"), f.metadata());
            TensorEntry q = f.tensor("model.layers.0.self_attn.q_proj.weight");
            assertEquals(DType.F32, q.dtype());
            assertArrayEquals(new long[] {64, 64}, q.shape());
            long values = f.tensors().values().stream().mapToLong(TensorEntry::elementCount).sum();
            assertEquals(260_032, values);
        }
    }

    @Test
    void writesAndReadsBackEveryWeightType() throws IOException {
        Path file = dir.resolve("t.safetensors");
        float[] values = {1.5f, -2.25f, 0f, 3e-3f, 65504f, -1e-7f};
        SafetensorsWriter.write(file, Map.of("k", "v"), List.of(
                PendingTensor.ofFloats("a", new long[] {2, 3}, values),
                new PendingTensor("h", DType.F16, new long[] {3}, t -> {
                    for (int i = 0; i < 3; i++) {
                        t.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(values[i]));
                    }
                }),
                new PendingTensor("empty", DType.BF16, new long[] {0, 4}, t -> {})));
        assertEquals(0, (Files.size(file) - 8 - headerLength(file)) % 2);
        assertEquals(0, headerLength(file) % 8, "header padded to 8 bytes");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(Map.of("k", "v"), f.metadata());
            TensorEntry a = f.tensor("a");
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i], a.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i));
            }
            assertEquals(-2.25f, Float.float16ToFloat(f.tensor("h").data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 1)));
            assertEquals(0, f.tensor("empty").elementCount());
        }
    }

    @Test
    void rejectsATruncatedFile() throws IOException {
        Path good = Fixtures.path("stories260K/model.safetensors");
        Path cut = dir.resolve("cut.safetensors");
        byte[] bytes = Files.readAllBytes(good);
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 100));  // only the last tensor, the final norm, is cut
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(cut));
        assertThat(e.getMessage()).contains(cut.toString()).contains("model.norm.weight").contains("truncated");
    }

    @Test
    void rejectsAFileShorterThanItsHeaderLength() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[] {1, 2, 3});
        assertThat(assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file)).getMessage())
                .contains("shorter than the 8-byte header length");
        Files.write(file, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        assertThat(assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file)).getMessage())
                .contains("header length 1000 runs past the end");
        Files.write(file, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(200_000_000L).array());
        assertThat(assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file)).getMessage())
                .contains("outside [2, 100000000]");
    }

    @Test
    void rejectsAHeaderThatIsNotJson() throws IOException {
        Path file = forge("{\"a\": {\"dtype\": \"F32\", ", 0);
        assertThat(assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file)).getMessage())
                .contains("header is not valid JSON");
    }

    @Test
    void rejectsAnUnknownDtype() throws IOException {
        Path file = forge("{\"w\": {\"dtype\": \"F128\", \"shape\": [2], \"data_offsets\": [0, 32]}}", 32);
        assertThat(assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file)).getMessage())
                .contains("tensor 'w'").contains("unknown dtype 'F128'");
    }

    @Test
    void rejectsAHeaderThatLiesAboutSizes() throws IOException {
        Path file = forge("{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 20]}}", 24);
        assertThat(assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file)).getMessage())
                .contains("tensor 'w'").contains("byte size 20 != 6 elements × 4 bytes of F32");
    }

    @Test
    void rejectsOffsetsPastTheData() throws IOException {
        Path file = forge("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]}}", 16);
        assertThat(assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file)).getMessage())
                .contains("tensor 'w'").contains("run past the 16-byte data area");
    }

    @Test
    void rejectsOverlappingTensorsEvenAcrossAnEmptyOne() throws IOException {
        Path file = forge("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]},"
                + " \"e\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [4, 4]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}", 16);
        assertThat(assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file)).getMessage())
                .contains("tensor 'b'").contains("overlap tensor 'a'");
    }

    @Test
    void rejectsMalformedEntries() throws IOException {
        assertThat(message("{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 0]}}"))
                .contains("shape entry -1 is not a non-negative integer");
        assertThat(message("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4]}}"))
                .contains("data_offsets must be [begin, end]");
        assertThat(message("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}"))
                .contains("are not 0 <= begin <= end");
        assertThat(message("{\"__metadata__\": {\"n\": 3}}")).contains("__metadata__ value for 'n' is not a string");
        assertThat(message("[1, 2]")).contains("header is not a JSON object");
    }

    private String message(String header) throws IOException {
        Path file = forge(header, 16);
        return assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file)).getMessage();
    }

    private Path forge(String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length).put(json);
        Path file = Files.createTempFile(dir, "forged", ".safetensors");
        Files.write(file, buf.array());
        return file;
    }

    private static long headerLength(Path file) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
