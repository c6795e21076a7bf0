package dev.signet.engine.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** Where benchmark programs leave their JSON: {@code <suite>-<timestamp>.json} under the results folder. */
public final class BenchResults {
    private BenchResults() {}

    public static Path write(Path outDir, String suite, Map<String, Object> doc) throws IOException {
        Files.createDirectories(outDir);
        Path file = outDir.resolve(suite + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
        Files.writeString(file, JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
        return file;
    }

    /** The CPU's model name from /proc/cpuinfo, for the record. */
    public static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
