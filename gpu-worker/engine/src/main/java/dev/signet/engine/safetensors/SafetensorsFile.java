package dev.signet.engine.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A safetensors file opened over one memory mapping of the whole file (FFM, so any size: a 70B shard is
 * fine). The header is validated completely before any tensor is handed out: length bound, JSON shape,
 * known dtypes, offsets inside the data area and not overlapping, byte size equal to elements × dtype
 * size. Tensors stay valid until {@link #close()} unmaps the file.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The same bound Hugging Face's reader applies: a header larger than this is not a real checkpoint. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path path;
    private final Arena arena;
    private final Map<String, String> metadata;
    private final Map<String, TensorEntry> tensors;

    private SafetensorsFile(Path path, Arena arena, Map<String, String> metadata, Map<String, TensorEntry> tensors) {
        this.path = path;
        this.arena = arena;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            }
            Header header = parseHeader(path, file);
            return new SafetensorsFile(path, arena, header.metadata, header.tensors);
        } catch (IOException e) {
            arena.close();
            throw new SafetensorsException(path, "cannot read the file", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** The header's {@code __metadata__} (string to string), empty when absent. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor, by name in name order. */
    public Map<String, TensorEntry> tensors() {
        return tensors;
    }

    public TensorEntry tensor(String name) {
        TensorEntry t = tensors.get(name);
        if (t == null) {
            throw new SafetensorsException(path, name, "no such tensor in the file");
        }
        return t;
    }

    @Override
    public void close() {
        arena.close();
    }

    private record Header(Map<String, String> metadata, Map<String, TensorEntry> tensors) {}

    private static Header parseHeader(Path path, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) {
            throw new SafetensorsException(path, null, "file is " + size + " bytes, shorter than the 8-byte header length");
        }
        long headerLen = file.get(LittleEndian.I64, 0);
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
            throw new SafetensorsException(path, null, "header length " + headerLen + " is outside [2, " + MAX_HEADER_BYTES + "]");
        }
        if (8 + headerLen > size) {
            throw new SafetensorsException(path, null, "header length " + headerLen + " runs past the end of the "
                    + size + "-byte file (truncated?)");
        }
        byte[] headerBytes = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        JsonNode root;
        try {
            root = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8).trim());
        } catch (JacksonException e) {
            throw new SafetensorsException(path, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(path, null, "header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        MemorySegment data = file.asSlice(dataStart, dataSize);

        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorEntry> tensors = new TreeMap<>();
        List<long[]> spans = new ArrayList<>();
        List<String> spanNames = new ArrayList<>();
        for (var field : root.properties()) {
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals("__metadata__")) {
                readMetadata(path, node, metadata);
                continue;
            }
            if (!node.isObject()) {
                throw new SafetensorsException(path, name, "header entry is not an object");
            }
            DType dtype = readDType(path, name, node.get("dtype"));
            long[] shape = readShape(path, name, node.get("shape"));
            long[] offsets = readOffsets(path, name, node.get("data_offsets"));
            if (offsets[1] > dataSize) {
                throw new SafetensorsException(path, name, "data_offsets " + offsets[0] + ".." + offsets[1]
                        + " run past the " + dataSize + "-byte data area (truncated?)");
            }
            long expected;
            try {
                expected = Math.multiplyExact(TensorEntry.elementCount(shape), dtype.byteSize());
            } catch (ArithmeticException e) {
                throw new SafetensorsException(path, name, "shape " + java.util.Arrays.toString(shape) + " overflows");
            }
            if (offsets[1] - offsets[0] != expected) {
                throw new SafetensorsException(path, name, "byte size " + (offsets[1] - offsets[0]) + " != "
                        + TensorEntry.elementCount(shape) + " elements × " + dtype.byteSize() + " bytes of " + dtype
                        + " for shape " + java.util.Arrays.toString(shape));
            }
            spans.add(offsets);
            spanNames.add(name);
            tensors.put(name, new TensorEntry(path, name, dtype, shape, data.asSlice(offsets[0], expected)));
        }
        checkNoOverlap(path, spans, spanNames);
        return new Header(Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(tensors));
    }

    private static void readMetadata(Path path, JsonNode node, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw new SafetensorsException(path, null, "__metadata__ is not an object");
        }
        for (var m : node.properties()) {
            if (!m.getValue().isString()) {
                throw new SafetensorsException(path, null, "__metadata__ value for '" + m.getKey() + "' is not a string");
            }
            metadata.put(m.getKey(), m.getValue().asString());
        }
    }

    private static DType readDType(Path path, String name, JsonNode node) {
        if (node == null || !node.isString()) {
            throw new SafetensorsException(path, name, "missing or non-string dtype");
        }
        return DType.fromHeaderName(node.asString()).orElseThrow(() ->
                new SafetensorsException(path, name, "unknown dtype '" + node.asString() + "'"));
    }

    private static long[] readShape(Path path, String name, JsonNode node) {
        if (node == null || !node.isArray()) {
            throw new SafetensorsException(path, name, "missing or non-array shape");
        }
        long[] shape = new long[node.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = node.get(i);
            if (!d.isIntegralNumber() || d.asLong() < 0) {
                throw new SafetensorsException(path, name, "shape entry " + d + " is not a non-negative integer");
            }
            shape[i] = d.asLong();
        }
        return shape;
    }

    private static long[] readOffsets(Path path, String name, JsonNode node) {
        if (node == null || !node.isArray() || node.size() != 2
                || !node.get(0).isIntegralNumber() || !node.get(1).isIntegralNumber()) {
            throw new SafetensorsException(path, name, "data_offsets must be [begin, end]");
        }
        long begin = node.get(0).asLong();
        long end = node.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new SafetensorsException(path, name, "data_offsets " + begin + ".." + end + " are not 0 <= begin <= end");
        }
        return new long[] {begin, end};
    }

    private static void checkNoOverlap(Path path, List<long[]> spans, List<String> names) {
        Integer[] order = new Integer[spans.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.comparingLong(i -> spans.get(i)[0]));
        long furthestEnd = 0;
        String furthestName = null;
        for (Integer i : order) {
            long[] cur = spans.get(i);
            // Empty tensors occupy no bytes and cannot overlap anything.
            if (cur[1] > cur[0] && cur[0] < furthestEnd) {
                throw new SafetensorsException(path, names.get(i), "data_offsets " + cur[0] + ".." + cur[1]
                        + " overlap tensor '" + furthestName + "' which ends at " + furthestEnd);
            }
            if (cur[1] > furthestEnd) {
                furthestEnd = cur[1];
                furthestName = names.get(i);
            }
        }
    }
}
