package dev.signet.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tenant registry's internal API as docs/platform.md defines it, in a JDK HTTP server: {@code authenticate} answers
 * for the keys it was given (401 otherwise), {@code usage} records each request id once. Both insist on the admin
 * credential. Counts authentications, so tests can see the gateway's cache.
 */
final class FakeRegistry implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** A tenant as the registry answers for it: id, quota and models (name → delta digest). */
    record TenantAnswer(String id, Map<String, Object> quota, Map<String, String> models) {}

    private final HttpServer server;
    private final String adminToken;
    private final Map<String, TenantAnswer> byKey;
    final Map<String, JsonNode> usage = new ConcurrentHashMap<>();
    final AtomicInteger authentications = new AtomicInteger();

    FakeRegistry(String adminToken, Map<String, TenantAnswer> byKey) {
        this.adminToken = adminToken;
        this.byKey = Map.copyOf(byKey);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/internal/v1/authenticate", this::authenticate);
        server.createContext("/internal/v1/usage", this::usage);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void authenticate(HttpExchange exchange) throws IOException {
        JsonNode body = admitted(exchange);
        if (body == null) {
            return;
        }
        authentications.incrementAndGet();
        TenantAnswer tenant = byKey.get(body.path("api_key").asString(""));
        if (tenant == null) {
            respond(exchange, 401, Map.of("error", Map.of("message", "unknown or revoked key", "type", "invalid_request_error")));
            return;
        }
        List<Map<String, Object>> models = tenant.models().entrySet().stream()
                .map(m -> Map.<String, Object>of("name", m.getKey(), "delta", m.getValue(), "base_model", "stories260K",
                        "created_at", "2025-01-02T03:04:05Z"))
                .toList();
        respond(exchange, 200, Map.of(
                "tenant", Map.of("id", tenant.id(), "display_name", tenant.id().toUpperCase(), "quota", tenant.quota()),
                "key_id", "key_" + tenant.id(),
                "models", models));
    }

    private void usage(HttpExchange exchange) throws IOException {
        JsonNode body = admitted(exchange);
        if (body == null) {
            return;
        }
        usage.putIfAbsent(body.path("request_id").asString(), body);
        exchange.sendResponseHeaders(204, -1);
        exchange.close();
    }

    /** The JSON body of a POST carrying the admin credential, or null once a 401 has been sent. */
    private JsonNode admitted(HttpExchange exchange) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        byte[] bytes = exchange.getRequestBody().readAllBytes();
        if (!("Bearer " + adminToken).equals(authorization) || !"POST".equals(exchange.getRequestMethod())) {
            respond(exchange, 401, Map.of("error", Map.of("message", "admin credential required", "type", "invalid_request_error")));
            return null;
        }
        return JSON.readTree(bytes);
    }

    private static void respond(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
