package dev.signet.gateway.allinone;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operator's side of the registry's and the store's admin APIs (docs/platform.md), as the launcher uses them to
 * set up the demo: blocking JSON calls with a bearer credential (the admin one; the distributed test also calls the
 * gateway with a tenant key), on the caller's own thread.
 */
public final class AdminHttp {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** An answer: its status and its JSON body (null when empty). */
    public record Reply(int status, JsonNode body) {
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final String token;

    public AdminHttp(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    public Reply get(String path) {
        return send(request(path).GET());
    }

    public Reply post(String path, Object body) {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    public Reply put(String path, Object body) {
        return send(request(path).header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    public Reply putBytes(String path, byte[] bytes, String header, String value) {
        return send(request(path).header(header, value).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    public Reply delete(String path) {
        return send(request(path).DELETE());
    }

    /** The body of a successful answer; anything else is an error naming the call and the service's message. */
    public static JsonNode expectOk(Reply reply, String what) {
        if (!reply.ok()) {
            throw new IllegalStateException(what + " failed with HTTP " + reply.status() + ": " + reply.body());
        }
        return reply.body();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token);
    }

    private Reply send(HttpRequest.Builder builder) {
        HttpRequest request = builder.build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            String body = response.body();
            return new Reply(response.statusCode(), body == null || body.isBlank() ? null : JSON.readTree(body));
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + request.method() + " " + request.uri(), e);
        }
    }
}
