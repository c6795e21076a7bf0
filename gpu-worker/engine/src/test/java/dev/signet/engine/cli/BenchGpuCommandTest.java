package dev.signet.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.signet.engine.backend.cuda.CudaAvailability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code signet bench gpu}'s answers where it cannot run (the run itself is CudaSyntheticModelTest's, on a GPU). */
class BenchGpuCommandTest extends CliHarness {
    @TempDir
    Path results;

    @Test
    void withoutAGpuItExitsOneSayingWhyAndWritesNothing() throws IOException {
        assumeTrue(CudaAvailability.unavailableReason().isPresent(), "this machine has a GPU: the benchmark would run");
        assertEquals(1, run("bench", "gpu", "--out", results.toString(), "--layers", "1"));
        assertThat(err.toString()).contains("signet bench gpu: no usable GPU");
        try (var files = Files.list(results)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void zeroLayersIsAUsageError() {
        assertEquals(2, run("bench", "gpu", "--layers", "0"));
        assertThat(err.toString()).contains("--layers");
    }

    @Test
    void aKvCacheTypeOtherThanF16OrF32IsAUsageError() {
        assertEquals(2, run("bench", "gpu", "--kv-dtype", "bf16"));
        assertThat(err.toString()).contains("--kv-dtype is f16 or f32, not bf16");
    }

    @Test
    void aPytorchPeerReportThatCannotBeReadIsAUsageErrorBeforeAnythingRuns() {
        assertEquals(2, run("bench", "gpu", "--out", results.toString(), "--pytorch-peer", results.resolve("absent.json").toString()));
        assertThat(err.toString()).contains("--pytorch-peer: the PyTorch peer's report").contains("does not exist");
    }

    @Test
    void anUnknownSuiteNamesTheGpuOne() {
        assertEquals(2, run("bench", "tpu"));
        assertThat(err.toString()).contains("gpu");
    }
}
