package dev.signet.gateway.distributed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One Signet service as its own OS process, as a deployment runs it: a child JVM on the test's classpath with the
 * services' JVM flags, its main class, loopback API and management ports of its own, and its output in a log file.
 */
final class ServiceProcess implements AutoCloseable {
    private static final String LOOPBACK = "127.0.0.1";
    private static final List<String> JVM_FLAGS = List.of(
            "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",   // Netty's; silences the warning, changes nothing
            "-XX:+UseSerialGC", "-Xmx384m",             // four JVMs on a small test machine:
            "-XX:TieredStopAtLevel=1");                // C1 only, far less compiling at start-up

    private final String name;
    private final Process process;
    private final Path log;
    private final URI api;
    private final URI management;

    private ServiceProcess(String name, Process process, Path log, int apiPort, int managementPort) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.api = URI.create("http://" + LOOPBACK + ":" + apiPort);
        this.management = URI.create("http://" + LOOPBACK + ":" + managementPort);
    }

    /**
     * Starts {@code mainClass} with the shared admin credential and its own {@code --key=value} settings, which may
     * depend on the API root the service will have (a worker advertises it).
     */
    static ServiceProcess start(String name, String mainClass, Path logDir, String adminToken, Function<URI, List<String>> settings) {
        int apiPort = freePort();
        int managementPort = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        command.add("-Dsignet.home=" + System.getProperty("signet.home"));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(
                "--server.address=" + LOOPBACK,
                "--server.port=" + apiPort,
                "--management.server.address=" + LOOPBACK,
                "--management.server.port=" + managementPort,
                "--signet.admin-token=" + adminToken));
        command.addAll(settings.apply(URI.create("http://" + LOOPBACK + ":" + apiPort)));
        Path log = logDir.resolve(name + ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new ServiceProcess(name, process, log, apiPort, managementPort);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the " + name + " JVM", e);
        }
    }

    String name() {
        return name;
    }

    /** Where the process's output goes. */
    Path log() {
        return log;
    }

    /** The service's API root. */
    URI api() {
        return api;
    }

    /**
     * Waits until the management port's {@code /actuator/health/readiness} answers 200 (for the worker: its model is
     * loaded); fails at once if the process exits, naming its status.
     */
    void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest probe = HttpRequest.newBuilder(management.resolve("/actuator/health/readiness")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the " + name + " process exited with status " + process.exitValue() + " before it was ready");
            }
            try {
                HttpResponse<String> response = http.send(probe, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
            Waiting.sleep(200);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout + " (last: " + last + ")");
    }

    /** The last {@code lines} lines of the process's output. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Asks the JVM to stop (Spring's graceful shutdown), then kills it if it has not within a few seconds. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
