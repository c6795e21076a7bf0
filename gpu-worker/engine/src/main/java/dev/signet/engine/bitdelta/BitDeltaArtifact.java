package dev.signet.engine.bitdelta;

import static dev.signet.engine.bitdelta.BitDeltaException.Check;

import dev.signet.engine.backend.SignMatrix;
import dev.signet.engine.backend.SignPlane;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaWeights;
import dev.signet.engine.model.ModelDelta;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.LittleEndian;
import dev.signet.engine.safetensors.SafetensorsException;
import dev.signet.engine.safetensors.SafetensorsFile;
import dev.signet.engine.safetensors.TensorEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A BitDelta artifact opened against a base model, after every check of docs/bitdelta-format.md passed: the
 * format and version, the base digest, the tensor list against the base's tensors, every stored tensor's
 * dtype, shape and size, and every tensor's checksum. Its tensors are read in place from the file's mapping,
 * so it stays open while its delta is resident.
 */
public final class BitDeltaArtifact implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path path;
    private final SafetensorsFile file;
    private final Map<String, SignMatrix> projections;
    private final Map<String, TensorEntry> dense;

    private BitDeltaArtifact(Path path, SafetensorsFile file, Map<String, SignMatrix> projections, Map<String, TensorEntry> dense) {
        this.path = path;
        this.file = file;
        this.projections = projections;
        this.dense = dense;
    }

    /** Opens and checks an artifact against the base whose weights and {@link BaseDigest} are given. */
    public static BitDeltaArtifact open(Path path, LlamaWeights base, String baseDigest) {
        return open(path, base, baseDigest, true);
    }

    /** Opens and checks an artifact against a base checkpoint, hashing the base's weights for the digest check. */
    public static BitDeltaArtifact open(Path path, LlamaCheckpoint base) {
        return open(path, base.weights(), BaseDigest.of(base.weights()));
    }

    /** The delta's id when it is known by its file alone: the file name without {@code .safetensors}. */
    public String fileId() {
        return path.getFileName().toString().replaceFirst("\\.safetensors$", "");
    }

    /** A draft the compressor wrote moments ago, before its checksums exist. */
    static BitDeltaArtifact openDraft(Path path, LlamaWeights base, String baseDigest) {
        return open(path, base, baseDigest, false);
    }

    private static BitDeltaArtifact open(Path path, LlamaWeights base, String baseDigest, boolean verifyChecksums) {
        SafetensorsFile file;
        try {
            file = SafetensorsFile.open(path);
        } catch (SafetensorsException e) {
            throw new BitDeltaException(path, Check.FORMAT, "not a readable safetensors file: " + e.getMessage());
        }
        try {
            Checker c = new Checker(path, file, base);
            c.header(baseDigest);
            c.tensors();
            if (verifyChecksums) {
                c.checksums();
            }
            return new BitDeltaArtifact(path, file, c.projections, c.dense);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, String> metadata() {
        return file.metadata();
    }

    /** The compression settings recorded in the artifact (JSON). */
    public JsonNode settings() {
        return json(file.metadata().getOrDefault(BitDeltaFormat.KEY_SETTINGS, "{}"));
    }

    /** The quality report recorded in the artifact (JSON; empty when none was measured). */
    public JsonNode quality() {
        return json(file.metadata().getOrDefault(BitDeltaFormat.KEY_QUALITY, "{}"));
    }

    /** The tensors this delta replaces, for {@link dev.signet.engine.model.LlamaModel#load}; valid while this is open. */
    public ModelDelta delta(String id) {
        return new ModelDelta(id, projections, dense);
    }

    /** Every stored tensor in file order (for copying an artifact). */
    List<TensorEntry> storedTensors() {
        return file.tensors().values().stream().sorted(Comparator.comparingLong(t -> t.data().address())).toList();
    }

    @Override
    public void close() {
        file.close();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JacksonException e) {
            throw new IllegalStateException("metadata was validated when the artifact was opened", e);
        }
    }

    /** Runs the checks in order; each failure names its {@link Check}. */
    private static final class Checker {
        private final Path path;
        private final SafetensorsFile file;
        private final Map<String, TensorEntry> baseTensors;
        private final Map<String, SignMatrix> projections = new LinkedHashMap<>();
        private final Map<String, TensorEntry> dense = new LinkedHashMap<>();
        private JsonNode tensorList;

        Checker(Path path, SafetensorsFile file, LlamaWeights base) {
            this.path = path;
            this.file = file;
            this.baseTensors = base.all().collect(Collectors.toMap(TensorEntry::name, Function.identity(), (a, b) -> a, LinkedHashMap::new));
        }

        void header(String baseDigest) {
            Map<String, String> meta = file.metadata();
            if (!BitDeltaFormat.FORMAT.equals(meta.get(BitDeltaFormat.KEY_FORMAT))) {
                throw new BitDeltaException(path, Check.FORMAT, "metadata 'format' is " + quoted(meta.get(BitDeltaFormat.KEY_FORMAT))
                        + ", expected \"" + BitDeltaFormat.FORMAT + "\": not a BitDelta artifact");
            }
            if (!String.valueOf(BitDeltaFormat.VERSION).equals(meta.get(BitDeltaFormat.KEY_VERSION))) {
                throw new BitDeltaException(path, Check.VERSION, "format_version " + quoted(meta.get(BitDeltaFormat.KEY_VERSION))
                        + " is not supported; this build reads version " + BitDeltaFormat.VERSION);
            }
            String digest = meta.get(BitDeltaFormat.KEY_BASE_DIGEST);
            if (!baseDigest.equals(digest)) {
                throw new BitDeltaException(path, Check.BASE_DIGEST, "the delta was made against base " + quoted(digest)
                        + " but the loaded base is " + baseDigest + ": it belongs to another base model");
            }
            tensorList = parse(meta, BitDeltaFormat.KEY_TENSORS, Check.TENSOR_LIST);
        }

        void tensors() {
            Set<String> stored = new HashSet<>(file.tensors().keySet());
            for (var e : tensorList.properties()) {
                String name = e.getKey();
                JsonNode entry = e.getValue();
                TensorEntry base = baseTensors.get(name);
                if (base == null) {
                    throw new BitDeltaException(path, Check.TENSOR_LIST, "'" + name + "' is not a weight of the base model");
                }
                String kind = entry.path("kind").asString("");
                switch (kind) {
                    case "signs" -> projections.put(name, signMatrix(base, entry, stored));
                    case "dense" -> dense.put(name, denseTensor(base, stored));
                    default -> throw new BitDeltaException(path, Check.TENSOR_LIST, "'" + name + "' has kind " + quoted(kind)
                            + "; expected \"signs\" or \"dense\"");
                }
            }
            if (!stored.isEmpty()) {
                throw new BitDeltaException(path, Check.TENSOR_LIST, "stored tensors " + stored.stream().sorted().toList()
                        + " are not in the tensor list");
            }
        }

        private SignMatrix signMatrix(TensorEntry base, JsonNode entry, Set<String> stored) {
            String name = base.name();
            if (!BitDeltaFormat.isProjection(name)) {
                throw new BitDeltaException(path, Check.TENSOR_LIST, "'" + name + "' is not a projection; only q, k, v, o, "
                        + "gate, up and down are sign-compressed");
            }
            int planes = entry.path("planes").asInt(0);
            if (planes < 1) {
                throw new BitDeltaException(path, Check.TENSOR_LIST, "'" + name + "' lists " + entry.path("planes") + " planes");
            }
            int rows = Math.toIntExact(base.dim(0));
            int cols = Math.toIntExact(base.dim(1));
            List<SignPlane> list = new ArrayList<>();
            for (int p = 1; p <= planes; p++) {
                TensorEntry signs = take(BitDeltaFormat.signsName(name, p), DType.U32, stored, rows, SignPlane.wordsPerRow(cols));
                TensorEntry scale = take(BitDeltaFormat.scaleName(name, p), DType.F32, stored);
                float[] scales;
                if (scale.hasShape(1)) {
                    scales = new float[rows];
                    Arrays.fill(scales, scale.data().get(LittleEndian.F32, 0));
                } else if (scale.hasShape(rows)) {
                    scales = scale.data().toArray(LittleEndian.F32);
                } else {
                    throw new BitDeltaException(path, Check.SHAPE, "'" + scale.name() + "' has shape " + scale.shapeString()
                            + "; a scale is [1] (per matrix) or [" + rows + "] (per row)");
                }
                for (float s : scales) {
                    if (!Float.isFinite(s)) {
                        throw new BitDeltaException(path, Check.SIZE, "'" + scale.name() + "' holds a non-finite scale " + s);
                    }
                }
                list.add(new SignPlane(signs.data(), scales));
            }
            return new SignMatrix(name, rows, cols, list);
        }

        private TensorEntry denseTensor(TensorEntry base, Set<String> stored) {
            TensorEntry t = take(base.name(), null, stored, base.shape());
            if (!t.dtype().isWeightType()) {
                throw new BitDeltaException(path, Check.SHAPE, "dense tensor '" + t.name() + "' has dtype " + t.dtype()
                        + "; expected F32, F16 or BF16");
            }
            return t;
        }

        /** A stored tensor of the given dtype (null: any) and, when given, shape. */
        private TensorEntry take(String name, DType dtype, Set<String> stored, long... shape) {
            if (!stored.remove(name)) {
                throw new BitDeltaException(path, Check.TENSOR_LIST, "tensor '" + name + "' is listed but not stored");
            }
            TensorEntry t = file.tensors().get(name);
            if (dtype != null && t.dtype() != dtype) {
                throw new BitDeltaException(path, Check.SHAPE, "'" + name + "' has dtype " + t.dtype() + ", expected " + dtype);
            }
            if (shape.length > 0 && !t.hasShape(shape)) {
                throw new BitDeltaException(path, Check.SHAPE, "'" + name + "' has shape " + t.shapeString() + ", expected "
                        + Arrays.toString(shape) + " from the base");
            }
            return t;
        }

        void checksums() {
            JsonNode sums = parse(file.metadata(), BitDeltaFormat.KEY_CHECKSUMS, Check.CHECKSUM);
            for (TensorEntry t : file.tensors().values()) {
                String expected = sums.path(t.name()).asString("");
                if (expected.isEmpty()) {
                    throw new BitDeltaException(path, Check.CHECKSUM, "no checksum recorded for '" + t.name() + "'");
                }
                String actual = BaseDigest.sha256(t.data());
                if (!expected.equals(actual)) {
                    throw new BitDeltaException(path, Check.CHECKSUM, "'" + t.name() + "' has sha256 " + actual
                            + " but the artifact records " + expected + ": the file was altered or damaged");
                }
            }
        }

        private JsonNode parse(Map<String, String> meta, String key, Check check) {
            String text = meta.get(key);
            if (text == null) {
                throw new BitDeltaException(path, check, "metadata '" + key + "' is missing");
            }
            try {
                JsonNode node = JSON.readTree(text);
                if (node == null || !node.isObject()) {
                    throw new BitDeltaException(path, check, "metadata '" + key + "' is not a JSON object");
                }
                return node;
            } catch (JacksonException e) {
                throw new BitDeltaException(path, check, "metadata '" + key + "' is not valid JSON: " + e.getOriginalMessage());
            }
        }

        private static String quoted(String s) {
            return s == null ? "missing" : "\"" + s + "\"";
        }
    }
}
