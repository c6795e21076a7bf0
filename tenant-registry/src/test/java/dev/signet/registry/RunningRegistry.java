package dev.signet.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A registry application on a random port, started with the given arguments, and clients for its API. */
final class RunningRegistry implements AutoCloseable {
    static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    static final JsonMapper JSON = JsonMapper.builder().build();

    final ConfigurableApplicationContext context;
    /** Sends the admin credential. */
    final WebTestClient admin;
    /** Sends no credential. */
    final WebTestClient anonymous;

    private RunningRegistry(ConfigurableApplicationContext context) {
        this.context = context;
        String base = "http://localhost:" + context.getEnvironment().getRequiredProperty("local.server.port");
        this.anonymous = WebTestClient.bindToServer().baseUrl(base).responseTimeout(Duration.ofSeconds(20)).build();
        this.admin = anonymous.mutate().defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_TOKEN).build();
    }

    /** Starts the registry with the admin token, random ports, and {@code storeArguments}. */
    static RunningRegistry start(List<String> storeArguments) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--management.server.port=0",
                "--signet.admin-token=" + ADMIN_TOKEN));
        args.addAll(storeArguments);
        return new RunningRegistry(new SpringApplicationBuilder(RegistryApplication.class).run(args.toArray(String[]::new)));
    }

    JsonNode getJson(String uri, Object... vars) {
        return JSON.readTree(admin.get().uri(uri, vars).exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody());
    }

    JsonNode postJson(String uri, Map<String, ?> body, int status, Object... vars) {
        String answer = admin.post().uri(uri, vars).bodyValue(body).exchange().expectStatus().isEqualTo(status)
                .expectBody(String.class).returnResult().getResponseBody();
        return answer == null ? null : JSON.readTree(answer);
    }

    JsonNode putJson(String uri, Object body, int status, Object... vars) {
        String answer = admin.put().uri(uri, vars).bodyValue(body).exchange().expectStatus().isEqualTo(status)
                .expectBody(String.class).returnResult().getResponseBody();
        return answer == null ? null : JSON.readTree(answer);
    }

    void delete(String uri, int status, Object... vars) {
        admin.delete().uri(uri, vars).exchange().expectStatus().isEqualTo(status);
    }

    /** The answer to {@code POST /internal/v1/authenticate}: its status and body. */
    Answer authenticate(String apiKey) {
        var result = admin.post().uri("/internal/v1/authenticate").bodyValue(Map.of("api_key", apiKey)).exchange()
                .expectBody(String.class).returnResult();
        return new Answer(result.getStatus().value(), result.getResponseBody());
    }

    record Answer(int status, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }
    }

    @Override
    public void close() {
        context.close();
    }
}
