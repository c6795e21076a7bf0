package dev.signet.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.testing.SampledGeneration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decode path that has the backend sample ({@code Backend.sample}, used on the GPU) generates, on the CPU backend,
 * exactly the tokens and text of the path that reads logits back and samples on the host.
 */
class BackendSampledGenerationTest {
    @Test
    void samplingOnTheBackendGivesTheSameTokensAsOnTheHost() {
        List<GenerationResult> host;
        List<GenerationResult> sampled;
        try (Backend backend = new VectorCpuBackend(1)) {
            host = SampledGeneration.generate(backend, false);
            sampled = SampledGeneration.generate(backend, true);
        }
        assertEquals(host.size(), sampled.size());
        for (int i = 0; i < host.size(); i++) {
            assertThat(host.get(i).tokens()).hasSizeGreaterThan(10);
            assertArrayEquals(host.get(i).tokens(), sampled.get(i).tokens(), "request " + i);
            assertEquals(host.get(i).text(), sampled.get(i).text(), "request " + i);
        }
    }
}
