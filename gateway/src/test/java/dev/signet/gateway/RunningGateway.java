package dev.signet.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway under test (one application context, shared by the test classes that extend this) on random ports, in
 * front of {@link TestPlatform}: residency and admission in its Redis, tenants from its fake registry.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "management.server.port=0",
        "signet.gateway.auth-cache-ttl=5s",
        "signet.gateway.usage.backoff=50ms",
})
abstract class RunningGateway {
    static final String PROMPT = "Once upon a time";
    static final int MAX_TOKENS = 24;
    static final List<String> TENANTS = List.of("caps", "pycode", "legal");
    static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void platform(DynamicPropertyRegistry registry) {
        TestPlatform platform = TestPlatform.get();
        registry.add("signet.admin-token", () -> TestPlatform.ADMIN_TOKEN);
        registry.add("signet.gateway.registry-url", platform.registry::url);
        registry.add("signet.gateway.redis-url", platform.redis::url);
        registry.add("signet.gateway.key-prefix", () -> TestPlatform.KEY_PREFIX);
    }

    @Autowired
    Environment environment;

    WebTestClient gateway;
    TestPlatform platform;

    @BeforeEach
    void connect() {
        platform = TestPlatform.get();
        gateway = WebTestClient.bindToServer().baseUrl(baseUrl()).responseTimeout(Duration.ofSeconds(60)).build();
    }

    String baseUrl() {
        return "http://localhost:" + environment.getRequiredProperty("local.server.port", Integer.class);
    }

    static String key(String tenant) {
        return TestPlatform.KEYS.get(tenant);
    }

    static Map<String, Object> body(Object... keyValues) {
        Map<String, Object> body = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            body.put((String) keyValues[i], keyValues[i + 1]);
        }
        return body;
    }

    /** A POST as {@code tenant} whose answer must have {@code status}; returns the body as text. */
    String post(String path, String tenant, Object body, int status) {
        return gateway.post().uri(path).header("Authorization", "Bearer " + key(tenant)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange()
                .expectStatus().isEqualTo(status)
                .expectBody(String.class).returnResult().getResponseBody();
    }

    JsonNode postJson(String path, String tenant, Object body) {
        return JSON.readTree(post(path, tenant, body, 200));
    }

    /** The JSON payloads of an SSE body, after checking its framing: {@code data: } frames, the last one {@code [DONE]}. */
    static List<JsonNode> frames(String sse) {
        assertThat(sse).endsWith("data: [DONE]\n\n");
        String[] frames = sse.split("\n\n");
        for (String frame : frames) {
            assertThat(frame).startsWith("data: ").doesNotContain("\n");
        }
        return Arrays.stream(frames).limit(frames.length - 1L).map(f -> JSON.readTree(f.substring("data: ".length()))).toList();
    }

    static String model(String tenant) {
        return tenant + "-model";
    }
}
