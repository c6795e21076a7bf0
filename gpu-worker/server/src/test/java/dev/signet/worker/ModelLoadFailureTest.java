package dev.signet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

/**
 * A worker whose model cannot be loaded never claims to be ready, even though Spring Boot declares every started
 * application ready: readiness stays OUT_OF_SERVICE, liveness turns DOWN so an orchestrator restarts it, and
 * generate answers 503 saying why.
 */
class ModelLoadFailureTest {

    @Test
    void aModelThatFailsToLoadKeepsTheWorkerOutOfServiceAndSaysWhy() {
        Path empty = WorkerTestFiles.scratch("no-model-");
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(WorkerApplication.class).run(
                "--server.port=0", "--management.server.port=0",
                "--signet.worker.model-dir=" + empty,
                "--signet.worker.cache.disk-dir=" + WorkerTestFiles.scratch("unused-cache-"))) {
            WorkerClient worker = new WorkerClient(app.getEnvironment().getRequiredProperty("local.server.port", Integer.class),
                    app.getEnvironment().getRequiredProperty("local.management.port", Integer.class));

            JsonNode liveness = WorkerClient.awaitJson(worker.management, "/actuator/health/liveness",
                    n -> "DOWN".equals(n.path("status").asString()));
            assertThat(liveness.path("status").asString()).isEqualTo("DOWN");
            assertThat(WorkerClient.getJson(worker.management, "/actuator/health/readiness").path("status").asString())
                    .isEqualTo("OUT_OF_SERVICE");
            JsonNode state = worker.state();
            assertThat(state.path("status").asString()).isEqualTo("failed");
            assertThat(state.path("load_error").asString()).contains(empty.toString());

            worker.api.post().uri("/v1/generate").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"tenant\":\"t\",\"prompt\":\"Once\"}").exchange()
                    .expectStatus().isEqualTo(503)
                    .expectBody().jsonPath("$.error.type").isEqualTo("unavailable_error")
                    .jsonPath("$.error.message").value(m -> assertThat((String) m).startsWith("the model failed to load"));
        }
    }
}
