package dev.signet.gateway.allinone;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Waits until a worker's model serves (its {@code GET /v1/state} says {@code ready}), or says why it never will. */
final class WorkerReadiness {
    private WorkerReadiness() {}

    static void await(URI worker, Duration timeout) {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(worker.resolve("/v1/state")).build(), HttpResponse.BodyHandlers.ofString());
                JsonNode state = JsonMapper.builder().build().readTree(r.body());
                String status = state.path("status").asString();
                if ("ready".equals(status)) {
                    return;
                }
                if ("failed".equals(status)) {
                    throw new IllegalStateException("the worker's model failed to load: " + state.path("load_error").asString());
                }
                last = status;
                Thread.sleep(100);
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the worker", e);
            }
        }
        throw new IllegalStateException("the worker at " + worker + " was not ready within " + timeout + " (last: " + last + ")");
    }
}
