package dev.signet.engine.bitdelta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.eval.EvalWindows;
import dev.signet.engine.eval.ModelVariant;
import dev.signet.engine.eval.Perplexity;
import dev.signet.engine.eval.WindowRunner;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.testing.Backends;
import dev.signet.engine.testing.Fixtures;
import dev.signet.engine.testing.ReferenceOracle;
import dev.signet.engine.testing.TenantDeltas;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Going past the paper: compression calibrated on the tenant's own training text scores a lower perplexity on
 * its eval text than BitDelta with the paper's distilled scales (the fixtures' {@code <tenant>@bitdelta-distilled}),
 * in an artifact at most 1.25× the size of the plain one-bit artifact.
 */
class CalibratedCompressionTest {
    @ParameterizedTest
    @ValueSource(strings = {"caps", "pycode", "legal"})
    void beatsTheDistilledReferenceWithinAQuarterMoreBytes(String tenant) throws Exception {
        Path out = TenantDeltas.scratch().resolve(tenant + "-calibrated.safetensors");
        Path train = Fixtures.path("corpora/" + tenant + "/train.txt");
        Path eval = Fixtures.path("corpora/" + tenant + "/eval.txt");
        CompressionReport report;
        try (LlamaCheckpoint base = LlamaCheckpoint.open(TenantDeltas.base());
             LlamaCheckpoint tuned = LlamaCheckpoint.open(TenantDeltas.tenant(tenant))) {
            report = new BitDeltaCompressor(() -> new VectorCpuBackend(2))
                    .compress(base, tuned, out, CompressionOptions.plain().withCalibration(train), BitDeltaCompressor.Progress.NONE);
            assertThat(Files.size(out)).as("artifact bytes").isLessThanOrEqualTo((long) (1.25 * Files.size(TenantDeltas.plain(tenant))));
            assertThat(report.quality().path("text").asString()).isEqualTo("train.txt");
            assertThat(report.quality().path("mean_kl").asDouble()).isPositive();

            double distilled = ReferenceOracle.root().get("perplexity").get("table").get(tenant + "@bitdelta-distilled").get(tenant).asDouble();
            try (Backend backend = Backends.open("cpu");
                 LlamaModel model = new LlamaModel(base, backend, WindowRunner.options(EvalWindows.DEFAULT_LENGTH));
                 BitDeltaArtifact artifact = BitDeltaArtifact.open(out, base);
                 ResidentDelta delta = model.load(artifact.delta(tenant))) {
                Perplexity ppl = Perplexity.measure(new ModelVariant(model, delta), EvalWindows.read(eval, base.tokenizer()));
                assertThat(ppl.perplexity()).as(tenant + " calibrated vs distilled " + distilled + ", " + report.settings())
                        .isLessThan(distilled);
            }
        }
    }
}
