package dev.signet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.SafetensorsFile;
import dev.signet.engine.safetensors.SafetensorsWriter;
import dev.signet.engine.safetensors.SafetensorsWriter.PendingTensor;
import dev.signet.engine.safetensors.TensorEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

/**
 * A worker whose model cannot be loaded never claims to be ready, even though Spring Boot declares every started
 * application ready: readiness stays OUT_OF_SERVICE, liveness turns DOWN so an orchestrator restarts it, and
 * generate answers 503 saying why. Medusa heads load with the model: a heads folder that fails its checks fails the
 * load the same way, with the engine's message naming the check and the tensor.
 */
class ModelLoadFailureTest {

    @Test
    void aModelThatFailsToLoadKeepsTheWorkerOutOfServiceAndSaysWhy() {
        Path empty = WorkerTestFiles.scratch("no-model-");
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(WorkerApplication.class).run(
                "--server.port=0", "--management.server.port=0",
                "--signet.worker.model-dir=" + empty,
                "--signet.worker.cache.disk-dir=" + WorkerTestFiles.scratch("unused-cache-"))) {
            assertOutOfService(app, empty.toString(), "the model failed to load");
        }
    }

    @Test
    void medusaHeadsWithAWrongTensorFailTheModelLoadNamingTheCheck() throws IOException {
        Path heads = headsWithAWrongShape("medusa_head.1.0.linear.weight");
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(WorkerApplication.class).run(
                "--server.port=0", "--management.server.port=0",
                "--signet.worker.threads=1",
                "--signet.worker.medusa.base=" + heads, "--signet.worker.medusa.draft-rows=16",
                "--signet.worker.cache.disk-dir=" + WorkerTestFiles.scratch("unused-cache-"))) {
            JsonNode state = assertOutOfService(app, "shape check failed", "the model failed to load");
            assertThat(state.path("load_error").asString())
                    .contains("MedusaFormatException", heads.resolve("medusa_heads.safetensors").toString(),
                            "tensor 'medusa_head.1.0.linear.weight'", "[64, 32]", "expected [64, 64]");
            assertThat(state.path("medusa").isNull() || state.path("medusa").isMissingNode()).as("no heads without a model").isTrue();
        }
    }

    /** A copy of the bundled base heads whose tensor {@code name} is [64, 32] instead of [64, 64]. */
    private static Path headsWithAWrongShape(String name) throws IOException {
        Path bundled = WorkerTestFiles.repo().resolve("models/medusa/stories260K");
        Path dir = WorkerTestFiles.scratch("bad-heads-");
        Files.copy(bundled.resolve("config.json"), dir.resolve("config.json"));
        try (SafetensorsFile source = SafetensorsFile.open(bundled.resolve("medusa_heads.safetensors"))) {
            List<PendingTensor> tensors = new ArrayList<>();
            for (TensorEntry t : source.tensors().values()) {
                tensors.add(t.name().equals(name)
                        ? new PendingTensor(name, DType.F32, new long[] {64, 32}, target -> target.fill((byte) 0))
                        : PendingTensor.copyOf(t.name(), t.dtype(), t.shape(), t.data()));
            }
            SafetensorsWriter.write(dir.resolve("medusa_heads.safetensors"), Map.of("format", "pt"), tensors);
        }
        return dir;
    }

    /** Waits for the failed load; checks the probes, the state and generate's 503; returns the state. */
    private static JsonNode assertOutOfService(ConfigurableApplicationContext app, String loadError, String unavailable) {
        WorkerClient worker = new WorkerClient(app.getEnvironment().getRequiredProperty("local.server.port", Integer.class),
                app.getEnvironment().getRequiredProperty("local.management.port", Integer.class));

        JsonNode liveness = WorkerClient.awaitJson(worker.management, "/actuator/health/liveness",
                n -> "DOWN".equals(n.path("status").asString()));
        assertThat(liveness.path("status").asString()).isEqualTo("DOWN");
        assertThat(WorkerClient.getJson(worker.management, "/actuator/health/readiness").path("status").asString())
                .isEqualTo("OUT_OF_SERVICE");
        JsonNode state = worker.state();
        assertThat(state.path("status").asString()).isEqualTo("failed");
        assertThat(state.path("load_error").asString()).contains(loadError);

        worker.api.post().uri("/v1/generate").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"tenant\":\"t\",\"prompt\":\"Once\"}").exchange()
                .expectStatus().isEqualTo(503)
                .expectBody().jsonPath("$.error.type").isEqualTo("unavailable_error")
                .jsonPath("$.error.message").value(m -> assertThat((String) m).startsWith(unavailable).contains(loadError));
        return state;
    }
}
