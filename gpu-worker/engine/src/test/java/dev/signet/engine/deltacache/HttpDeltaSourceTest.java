package dev.signet.engine.deltacache;

import static dev.signet.engine.deltacache.CachedWorker.bundledFile;
import static dev.signet.engine.deltacache.CachedWorker.digest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HttpDeltaSource} against a real HTTP server (the JDK's) playing the delta store's
 * {@code GET /v1/artifacts/{digest}}: a whole transfer, a transfer cut midway and resumed with a Range request,
 * a store that answers the Range with the whole file, 404 and other statuses, and the cache fetching through it.
 */
class HttpDeltaSourceTest {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    @TempDir
    Path tmp;

    private HttpServer server;
    private final Map<String, byte[]> artifacts = new HashMap<>();
    /** The Range header of every request, "" when it had none. */
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final AtomicBoolean cutNextTransfer = new AtomicBoolean();
    private volatile boolean ignoreRange;
    private volatile int failWithStatus;

    @BeforeEach
    void startStore() throws IOException {
        for (String t : List.of("caps", "legal")) {
            artifacts.put(digest(t), Files.readAllBytes(bundledFile(t)));
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/artifacts/", this::serve);
        server.start();
    }

    @AfterEach
    void stopStore() {
        server.stop(0);
    }

    private URI store() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String range = exchange.getRequestHeaders().getFirst("Range");
            ranges.add(range == null ? "" : range);
            String digest = exchange.getRequestURI().getPath().substring("/v1/artifacts/".length());
            byte[] body = artifacts.get(digest);
            if (failWithStatus != 0) {
                exchange.sendResponseHeaders(failWithStatus, -1);
                return;
            }
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            int from = 0;
            Matcher m = range == null || ignoreRange ? null : RANGE.matcher(range);
            if (m != null && m.matches()) {
                from = Integer.parseInt(m.group(1));
                exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
                exchange.sendResponseHeaders(206, body.length - from);
            } else {
                exchange.sendResponseHeaders(200, body.length);
            }
            OutputStream out = exchange.getResponseBody();
            if (cutNextTransfer.getAndSet(false)) {
                out.write(body, from, (body.length - from) / 2);
                out.flush();
                // Closing a fixed-length body short drops the connection: the client sees the transfer break.
                throw new IOException("the store cut the transfer");
            }
            out.write(body, from, body.length - from);
        }
    }

    @Test
    void fetchesAWholeArtifact() throws IOException {
        Path target = tmp.resolve("caps.download");
        new HttpDeltaSource(store()).fetch(digest("caps"), target);
        assertThat(target).hasSameBinaryContentAs(bundledFile("caps"));
        assertThat(ranges).containsExactly("");
    }

    @Test
    void resumesATransferCutMidwayWithARangeRequest() throws IOException {
        Path target = tmp.resolve("legal.download");
        cutNextTransfer.set(true);
        new HttpDeltaSource(store()).fetch(digest("legal"), target);
        assertThat(target).hasSameBinaryContentAs(bundledFile("legal"));
        assertThat(ranges).hasSize(2);
        assertThat(ranges.getFirst()).isEmpty();
        Matcher resumed = RANGE.matcher(ranges.get(1));
        assertThat(resumed.matches()).as("second request %s is a Range request", ranges.get(1)).isTrue();
        assertThat(Long.parseLong(resumed.group(1))).isPositive().isLessThanOrEqualTo(artifacts.get(digest("legal")).length / 2);
    }

    @Test
    void startsOverWhenTheStoreAnswersTheRangeWithTheWholeFile() throws IOException {
        Path target = tmp.resolve("legal.download");
        cutNextTransfer.set(true);
        ignoreRange = true;
        new HttpDeltaSource(store()).fetch(digest("legal"), target);
        assertThat(target).hasSameBinaryContentAs(bundledFile("legal"));
        assertThat(ranges).hasSize(2);
    }

    @Test
    void givesUpWhenTheResumedTransferBreaksToo() {
        HttpDeltaSource source = new HttpDeltaSource(store());
        server.removeContext("/v1/artifacts/");
        server.createContext("/v1/artifacts/", exchange -> {
            cutNextTransfer.set(true);
            serve(exchange);
        });
        assertThatThrownBy(() -> source.fetch(digest("legal"), tmp.resolve("legal.download"))).isInstanceOf(IOException.class)
                .hasMessageContaining("delta store " + store()).hasMessageContaining("broke at byte")
                .hasMessageContaining("and, resumed, again at byte");
    }

    @Test
    void notFoundIsDeltaNotFoundAndOtherStatusesAreNamed() {
        HttpDeltaSource source = new HttpDeltaSource(store());
        String unknown = "f".repeat(64);
        assertThatThrownBy(() -> source.fetch(unknown, tmp.resolve("x"))).isInstanceOf(DeltaNotFoundException.class)
                .hasMessage("delta store " + store() + " has no delta with digest " + unknown);

        failWithStatus = 503;
        assertThatThrownBy(() -> source.fetch(digest("caps"), tmp.resolve("y"))).isInstanceOf(IOException.class)
                .hasMessage("delta store " + store() + " answered GET " + store() + "/v1/artifacts/" + digest("caps")
                        + " with HTTP status 503");
    }

    @Test
    void cacheFetchesThroughTheStoreAndChecksTheDigest() {
        Path disk = tmp.resolve("cache");
        artifacts.put(digest("pycode"), Arrays.copyOf(artifacts.get(digest("caps")), 1000));   // a store serving wrong bytes
        try (CachedWorker w = new CachedWorker(CachedWorker.BUNDLED_BASE, new HttpDeltaSource(URI.create(store() + "/")),
                CachedWorker.config(disk, 2))) {
            cutNextTransfer.set(true);
            assertThat(w.acquireWhenReady(digest("legal"))).isNotNull();
            assertThat(disk.resolve(digest("legal") + ".safetensors")).hasSameBinaryContentAs(bundledFile("legal"));
            w.cache.release(digest("legal"));

            Throwable wrong = w.failureOf(w.cache.load(digest("pycode"), CacheTier.HOST, false));
            assertThat(wrong).isInstanceOf(DeltaLoadException.class).hasMessageContaining("sent 1,000 bytes whose sha256 is");
            assertThat(DeltaCacheTest.listing(disk)).containsExactly(digest("legal") + ".safetensors");
        }
    }
}
