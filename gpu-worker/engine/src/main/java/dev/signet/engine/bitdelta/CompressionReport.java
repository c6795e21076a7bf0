package dev.signet.engine.bitdelta;

import java.nio.file.Path;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a compression produced: the artifact, its size on disk, its estimated size against plain one-bit
 * BitDelta's with the same dense tensors (tensor bytes plus each tensor's header share), and the settings and
 * quality report recorded in its metadata.
 */
public record CompressionReport(Path artifact, long fileBytes, long estimatedOneBitBytes, long estimatedBytes,
                                ObjectNode settings, ObjectNode quality) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public double sizeRatio() {
        return (double) estimatedBytes / estimatedOneBitBytes;
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("artifact", artifact.toString());
        o.put("file_bytes", fileBytes);
        o.put("estimated_bytes", estimatedBytes);
        o.put("estimated_one_bit_bytes", estimatedOneBitBytes);
        o.put("size_ratio", sizeRatio());
        o.set("settings", settings);
        o.set("quality", quality);
        return o;
    }
}
