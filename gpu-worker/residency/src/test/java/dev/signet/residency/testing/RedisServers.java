package dev.signet.residency.testing;

import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A real Redis for a test, from the first source that exists: a {@code redis:7} container where a Docker engine
 * runs; else the Redis at the {@code REDIS_URL} environment variable (a throwaway one: tests flush it); else a
 * {@code redis-server} from PATH, started on a free loopback port with persistence off. CI has neither Docker nor
 * REDIS_URL and installs redis-server (.ci/run). With none of the three, {@link #start()} fails with what to install:
 * Redis tests never skip. Every server can {@linkplain Server#restart() restart} on the same address, losing all data.
 * Start one per test class ({@code @BeforeAll}) and close it after ({@code @AfterAll}).
 */
public final class RedisServers {

    private static final Logger log = LoggerFactory.getLogger(RedisServers.class);
    private static final Duration STARTUP = Duration.ofSeconds(15);

    private RedisServers() {}

    /** A running Redis; {@link #close()} stops what {@link RedisServers#start()} started. */
    public abstract static sealed class Server implements AutoCloseable permits Container, External, LocalProcess {

        /** Where to connect, e.g. {@code redis://127.0.0.1:41234}. */
        public abstract String url();

        /**
         * Makes Redis look restarted to its clients: every key and cached script gone, every connection dropped; the
         * same {@link #url()} answers again when this returns. The container and the local process really restart
         * (persistence is off, so nothing is reloaded); for REDIS_URL, which this test does not own, it is emulated by
         * FLUSHALL, SCRIPT FLUSH and CLIENT KILL TYPE normal, which is what a restart looks like to a client.
         */
        public abstract void restart();

        /** Where this Redis comes from, for logs and failure messages. */
        public abstract String description();

        @Override
        public abstract void close();

        @Override
        public String toString() {
            return description();
        }
    }

    /** A Redis from the first source that exists (see the class comment). */
    public static Server start() {
        Server server;
        if (dockerAvailable()) {
            server = new Container();
        } else if (System.getenv("REDIS_URL") != null && !System.getenv("REDIS_URL").isBlank()) {
            server = new External(System.getenv("REDIS_URL"));
        } else {
            Path redisServer = onPath("redis-server");
            if (redisServer == null) {
                throw new IllegalStateException("""
                        The Redis tests need a real Redis and found none: no Docker engine for a redis:7 container, \
                        REDIS_URL is not set, and no redis-server is on PATH (%s). Install redis-server \
                        (Debian/Ubuntu: apt-get install redis-server), or set REDIS_URL to a throwaway Redis (the \
                        tests flush it).""".formatted(System.getenv("PATH")));
            }
            server = new LocalProcess(redisServer);
        }
        log.info("Redis for tests: {}", server.description());
        return server;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError noDockerSupport) { // e.g. Testcontainers not on a reusing module's path
            return false;
        }
    }

    /** A {@code redis:7} container with its port bound to a fixed host port, so a restart keeps the address. */
    private static final class Container extends Server {
        private final int hostPort = freePort();
        private final GenericContainer<?> container;

        Container() {
            container = new GenericContainer<>(DockerImageName.parse("redis:7"))
                    .withCommand("redis-server", "--save", "", "--appendonly", "no")
                    .withExposedPorts(6379)
                    .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\n", 1));
            // Docker may give a random host port a new number on restart; a fixed one keeps url() valid.
            container.setPortBindings(List.of(hostPort + ":6379"));
            container.start();
        }

        @Override
        public String url() {
            return "redis://" + container.getHost() + ":" + hostPort;
        }

        @Override
        public void restart() {
            container.getDockerClient().restartContainerCmd(container.getContainerId()).withTimeout(0).exec();
            awaitPong(container.getHost(), hostPort, null);
        }

        @Override
        public String description() {
            return "redis:7 container at " + url();
        }

        @Override
        public void close() {
            container.stop();
        }
    }

    /** The Redis at REDIS_URL, which the tests share and flush but do not own. */
    private static final class External extends Server {
        private final String url;

        External(String url) {
            this.url = url;
        }

        @Override
        public String url() {
            return url;
        }

        @Override
        public void restart() {
            RedisClient client = RedisClient.create(url);
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisCommands<String, String> redis = connection.sync();
                redis.flushall();
                redis.scriptFlush();
                redis.clientKill(KillArgs.Builder.typeNormal()); // SKIPME yes by default: all but this connection
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }

        @Override
        public String description() {
            return "REDIS_URL " + url + " (restart emulated by FLUSHALL, SCRIPT FLUSH, CLIENT KILL TYPE normal)";
        }

        @Override
        public void close() {}
    }

    /** A {@code redis-server} child process on a loopback port, in its own temporary directory. */
    private static final class LocalProcess extends Server {
        private final Path executable;
        private final Path dir;
        private final int port;
        private final Thread killAtExit; // a test JVM that dies without close() must not leave a server behind
        private volatile Process process;

        LocalProcess(Path executable) {
            this.executable = executable;
            try {
                this.dir = Files.createTempDirectory("signet-redis-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a directory for redis-server", e);
            }
            this.killAtExit = new Thread(() -> {
                if (process != null) {
                    process.destroyForcibly();
                }
            }, "redis-server-killer");
            Runtime.getRuntime().addShutdownHook(killAtExit);
            // Another process may take the free port between the probe and the bind: try a few.
            int candidate = freePort();
            for (int tries = 1; !launch(candidate, tries < 3); tries++) {
                candidate = freePort();
            }
            this.port = candidate;
        }

        @Override
        public String url() {
            return "redis://127.0.0.1:" + port;
        }

        /** SIGKILL and start again on the same port: no shutdown save (persistence is off anyway), as a crash would. */
        @Override
        public synchronized void restart() {
            stop();
            if (!launch(port, false)) {
                throw new IllegalStateException("unreachable: launch throws when it may not retry");
            }
        }

        @Override
        public String description() {
            return "local " + executable + " at " + url() + " (dir " + dir + ")";
        }

        @Override
        public synchronized void close() {
            stop();
            Runtime.getRuntime().removeShutdownHook(killAtExit);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            } catch (IOException e) {
                log.warn("could not delete {}", dir, e);
            }
        }

        /** Starts redis-server on the port and waits until it answers; false if the port was taken and mayRetry. */
        private synchronized boolean launch(int port, boolean mayRetry) {
            Path logFile = dir.resolve("redis.log");
            try {
                process = new ProcessBuilder(executable.toString(), "--port", Integer.toString(port),
                        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + executable, e);
            }
            try {
                awaitPong("127.0.0.1", port, process);
                return true;
            } catch (IllegalStateException failed) {
                String output = readQuietly(logFile);
                stop();
                if (mayRetry && output.contains("Address already in use")) {
                    return false;
                }
                throw new IllegalStateException(failed.getMessage() + "; redis-server's output:\n" + output, failed);
            }
        }

        private void stop() {
            if (process != null) {
                process.destroyForcibly();
                try {
                    process.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                process = null;
            }
        }

        private static String readQuietly(Path file) {
            try {
                return Files.readString(file);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }
    }

    /** Waits until Redis at host:port answers PING (or the process, if given, exits). */
    private static void awaitPong(String host, int port, Process process) {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException("redis-server exited with status " + process.exitValue()
                        + " before answering on port " + port);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 500);
                socket.setSoTimeout(1000);
                OutputStream out = socket.getOutputStream();
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                byte[] reply = in.readNBytes(7);
                if (new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
                    return;
                }
                // "-LOADING" and the like: not ready yet
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Redis on " + host + ":" + port, e);
            }
        }
        throw new IllegalStateException("Redis on " + host + ":" + port + " did not answer PING within " + STARTUP
                + (last == null ? "" : " (last error: " + last + ")"));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free local port", e);
        }
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
