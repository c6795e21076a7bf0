package dev.signet.engine.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a safetensors file tensor by tensor into a memory mapping of the output, so a file larger than
 * the heap (a synthetic 7B checkpoint, a BitDelta artifact) never needs to be held in memory. Tensors are
 * laid out contiguously in the given order and the header is padded with spaces to a multiple of 8 bytes,
 * as Hugging Face's writer does. The file appears atomically: it is written beside the target and moved.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /** Fills a tensor's bytes; {@code target} is exactly the tensor's byte size. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(MemorySegment target);
    }

    /** One tensor to write: name, type, shape (outermost first) and the code that fills its bytes. */
    public record PendingTensor(String name, DType dtype, long[] shape, TensorBytes bytes) {
        long byteSize() {
            return Math.multiplyExact(TensorEntry.elementCount(shape), dtype.byteSize());
        }

        /** A tensor whose bytes already sit in a segment (for example a slice of another file's mapping). */
        public static PendingTensor copyOf(String name, DType dtype, long[] shape, MemorySegment source) {
            return new PendingTensor(name, dtype, shape, target -> target.copyFrom(source));
        }

        public static PendingTensor ofFloats(String name, long[] shape, float[] values) {
            return new PendingTensor(name, DType.F32, shape,
                    target -> MemorySegment.copy(values, 0, target, LittleEndian.F32, 0, values.length));
        }
    }

    public static void write(Path file, Map<String, String> metadata, List<PendingTensor> tensors) throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (PendingTensor t : tensors) {
            ObjectNode entry = header.putObject(t.name());
            entry.put("dtype", t.dtype().name());
            var shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long end = offset + t.byteSize();
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] headerJson = json.writeValueAsBytes(header);
        int padded = (headerJson.length + 7) & ~7;
        long dataStart = 8L + padded;

        Path tmp = file.resolveSibling(file.getFileName() + ".partial");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment out = ch.map(FileChannel.MapMode.READ_WRITE, 0, dataStart + offset, arena);
            out.set(LittleEndian.I64, 0, padded);
            MemorySegment.copy(headerJson, 0, out, ValueLayout.JAVA_BYTE, 8, headerJson.length);
            out.asSlice(8 + headerJson.length, padded - headerJson.length).fill((byte) ' ');
            long at = dataStart;
            for (PendingTensor t : tensors) {
                t.bytes().writeTo(out.asSlice(at, t.byteSize()));
                at += t.byteSize();
            }
            out.force();
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

}
