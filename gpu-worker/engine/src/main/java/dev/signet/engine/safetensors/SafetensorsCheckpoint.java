package dev.signet.engine.safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tensors of a Hugging Face checkpoint folder: either one {@code model.safetensors} or the shards named
 * by {@code model.safetensors.index.json}. Each shard is one memory mapping; every tensor the index names
 * must be in the shard it names, and no tensor may appear in two shards.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path dir;
    private final List<SafetensorsFile> files;
    private final Map<String, TensorEntry> tensors;

    private SafetensorsCheckpoint(Path dir, List<SafetensorsFile> files, Map<String, TensorEntry> tensors) {
        this.dir = dir;
        this.files = files;
        this.tensors = tensors;
    }

    public static SafetensorsCheckpoint open(Path dir) {
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openSharded(dir, index);
        }
        Path single = dir.resolve(SINGLE_FILE);
        if (!Files.isRegularFile(single)) {
            throw new SafetensorsException(dir, null, "neither " + SINGLE_FILE + " nor " + INDEX_FILE + " exists");
        }
        SafetensorsFile file = SafetensorsFile.open(single);
        return new SafetensorsCheckpoint(dir, List.of(file), file.tensors());
    }

    private static SafetensorsCheckpoint openSharded(Path dir, Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        try {
            for (String shard : new java.util.TreeSet<>(weightMap.values())) {
                Path shardPath = dir.resolve(shard).normalize();
                if (!shardPath.startsWith(dir.normalize()) || !Files.isRegularFile(shardPath)) {
                    throw new SafetensorsException(index, null, "shard '" + shard + "' is not a file in " + dir);
                }
                shards.put(shard, SafetensorsFile.open(shardPath));
            }
            Map<String, TensorEntry> tensors = new TreeMap<>();
            for (var e : weightMap.entrySet()) {
                SafetensorsFile shard = shards.get(e.getValue());
                TensorEntry t = shard.tensors().get(e.getKey());
                if (t == null) {
                    throw new SafetensorsException(index, e.getKey(), "the index names shard '" + e.getValue()
                            + "' but that shard has no such tensor");
                }
                tensors.put(e.getKey(), t);
            }
            for (var shard : shards.entrySet()) {
                for (String name : shard.getValue().tensors().keySet()) {
                    String listed = weightMap.get(name);
                    if (listed == null) {
                        throw new SafetensorsException(index, name, "tensor is in shard '" + shard.getKey()
                                + "' but the index does not list it");
                    }
                    if (!shard.getKey().equals(listed)) {
                        throw new SafetensorsException(index, name, "tensor is in shard '" + shard.getKey()
                                + "' but the index maps it to '" + listed + "'");
                    }
                }
            }
            return new SafetensorsCheckpoint(dir, new ArrayList<>(shards.values()), Collections.unmodifiableMap(tensors));
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = JsonMapper.builder().build().readTree(Files.readString(index));
        } catch (IOException | JacksonException e) {
            throw new SafetensorsException(index, "cannot read the shard index as JSON", e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new SafetensorsException(index, null, "missing object 'weight_map'");
        }
        Map<String, String> weightMap = new TreeMap<>();
        for (var e : map.properties()) {
            if (!e.getValue().isString()) {
                throw new SafetensorsException(index, e.getKey(), "weight_map value is not a file name");
            }
            weightMap.put(e.getKey(), e.getValue().asString());
        }
        if (weightMap.isEmpty()) {
            throw new SafetensorsException(index, null, "'weight_map' lists no tensors");
        }
        return weightMap;
    }

    public Path dir() {
        return dir;
    }

    /** Every tensor of every shard, by name. */
    public Map<String, TensorEntry> tensors() {
        return tensors;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public TensorEntry tensor(String name) {
        TensorEntry t = tensors.get(name);
        if (t == null) {
            throw new SafetensorsException(dir, name, "no such tensor in the checkpoint");
        }
        return t;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
