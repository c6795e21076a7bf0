package dev.signet.store;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * The tenant registry as the store sees it, on a JDK HTTP server: records every PUT of a model binding (and answers
 * it with the body it got), answers {@code GET /admin/v1/references} with the digests it is given, checks the admin
 * credential, and can hold a PUT (to crash the store mid-publish) or stop answering altogether.
 */
final class FakeRegistry implements AutoCloseable {
    record Put(String path, String body, String authorization) {}

    private final HttpServer server;
    final List<Put> puts = new CopyOnWriteArrayList<>();
    volatile Set<String> references = Set.of();
    volatile boolean down;
    volatile CountDownLatch holdPuts = new CountDownLatch(0);
    final CountDownLatch putArrived = new CountDownLatch(1);

    FakeRegistry() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (!("Bearer " + StoreTestFiles.ADMIN_TOKEN).equals(auth)) {
                answer(exchange, 401, "{\"error\":{\"message\":\"bad credential\",\"type\":\"authentication_error\"}}");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            if (down) {
                answer(exchange, 503, "{\"error\":{\"message\":\"registry is down\",\"type\":\"unavailable_error\"}}");
                return;
            }
            if (exchange.getRequestMethod().equals("GET") && path.equals("/admin/v1/references")) {
                answer(exchange, 200, "{\"digests\":[" + String.join(",", references.stream().map(d -> "\"" + d + "\"").toList()) + "]}");
            } else if (exchange.getRequestMethod().equals("PUT") && path.matches("/admin/v1/tenants/[^/]+/models/[^/]+")) {
                if (path.contains("/tenants/nobody/")) {
                    answer(exchange, 404, "{\"error\":{\"message\":\"no tenant 'nobody'\",\"type\":\"not_found_error\"}}");
                    return;
                }
                puts.add(new Put(path, body, auth));
                putArrived.countDown();
                holdPuts.await();
                answer(exchange, 200, body);
            } else {
                answer(exchange, 404, "{\"error\":{\"message\":\"no route\",\"type\":\"not_found_error\"}}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        holdPuts.countDown();
        server.stop(0);
    }
}
