package dev.signet.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The store in a child JVM (this test run's classpath and java), so a test can kill it with {@code destroyForcibly()}
 * — SIGKILL, no shutdown hooks — and start it again on the same data folder.
 */
final class StoreProcess {
    final int port;
    private final Process process;

    private StoreProcess(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    static StoreProcess start(Path dataDir, URI registry, Path log) {
        int port = freePort();
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                "-Dsignet.home=" + StoreTestFiles.repo(),
                StoreApplication.class.getName(),
                "--server.port=" + port, "--management.server.port=0",
                "--signet.admin-token=" + StoreTestFiles.ADMIN_TOKEN,
                "--signet.store.data-dir=" + dataDir,
                "--signet.store.registry-url=" + registry,
                // lenient, as in RunningStore: the tiny caps fine-tune's one-bit delta would fail the default gate
                "--signet.store.gate.max-perplexity-ratio=1000", "--signet.store.gate.max-kl=100");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            StoreProcess store = new StoreProcess(port, process);
            store.awaitUp(log);
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Up once the admin API answers. */
    private void awaitUp(Path log) {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the store exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/admin/v1/artifacts"))
                        .header("Authorization", "Bearer " + StoreTestFiles.ADMIN_TOKEN).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            StoreClient.sleep(200);
        }
        process.destroyForcibly();
        throw new AssertionError("the store did not come up within 180 s; see " + log);
    }

    /** SIGKILL: the process gets no chance to finish anything. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
