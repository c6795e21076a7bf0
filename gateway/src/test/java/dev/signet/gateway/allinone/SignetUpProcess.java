package dev.signet.gateway.allinone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./signet up} as a child JVM on the test classpath, its output in a file, and what its banner printed: where
 * the gateway and the admin APIs are, the admin credential and each demo tenant's key. Killed with SIGKILL, never
 * stopped politely: these tests are about crashes.
 */
final class SignetUpProcess implements AutoCloseable {
    private static final Pattern GATEWAY = Pattern.compile("Signet is up at (\\S+)/v1 ");
    private static final Pattern ADMIN = Pattern.compile("admin credential: (\\S+)");
    private static final Pattern REGISTRY = Pattern.compile("tenant registry admin API: (\\S+)/admin/v1");
    private static final Pattern STORE = Pattern.compile("delta store admin API: (\\S+)/admin/v1");
    private static final Pattern KEY = Pattern.compile("(?m)^ {2}(\\S+)\\s+(sk-\\S+)\\s");

    /** What the banner printed. */
    record Banner(URI gateway, URI registry, URI store, String adminToken, Map<String, String> keys) {}

    private final Process process;
    final Banner banner;

    private SignetUpProcess(Process process, Banner banner) {
        this.process = process;
        this.banner = banner;
    }

    /** Starts {@code SignetUp --port=0 --data-dir=dataDir} and waits for its banner. */
    static SignetUpProcess start(Path dataDir, Path output, Duration timeout) throws IOException, InterruptedException {
        String home = Path.of(System.getProperty("signet.home")).toAbsolutePath().toString();
        Process process = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                "-Dsignet.home=" + home,
                SignetUp.class.getName(), "--port=0", "--data-dir=" + dataDir))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            return new SignetUpProcess(process, awaitBanner(process, output, timeout));
        } catch (RuntimeException | InterruptedException e) {
            process.destroyForcibly().waitFor();
            throw e;
        }
    }

    private static Banner awaitBanner(Process process, Path output, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String out = read(output);
            int at = out.indexOf("Signet is up at ");
            if (at >= 0 && out.indexOf("\ntry:", at) > 0) {
                String banner = out.substring(at);
                Map<String, String> keys = new LinkedHashMap<>();
                Matcher m = KEY.matcher(banner);
                while (m.find()) {
                    keys.put(m.group(1), m.group(2));
                }
                return new Banner(URI.create(find(GATEWAY, banner)), URI.create(find(REGISTRY, banner)), URI.create(find(STORE, banner)),
                        find(ADMIN, banner), keys);
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("signet up exited with " + process.exitValue() + ":\n" + tail(out));
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("signet up printed no banner within " + timeout + ":\n" + tail(read(output)));
    }

    private static String find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("the banner lacks " + p + ":\n" + text);
        }
        return m.group(1);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(String out) {
        return out.substring(Math.max(0, out.length() - 4000));
    }

    PlatformAdmin admin() {
        return new PlatformAdmin(banner.registry(), banner.store(), banner.adminToken());
    }

    /** SIGKILL, and wait until the process is gone (its file locks with it). */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
