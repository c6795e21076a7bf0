package dev.signet.engine.bitdelta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.testing.Fixtures;
import dev.signet.engine.testing.ReferenceOracle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The demo tenants committed under models/deltas load on the bundled base and carry a quality report that beats the distilled reference. */
class DemoDeltasTest {
    @ParameterizedTest
    @ValueSource(strings = {"caps", "pycode", "legal"})
    void loadsOnTheBundledBaseWithItsQualityReport(String tenant) {
        try (LlamaCheckpoint base = LlamaCheckpoint.open(Fixtures.repoRoot().resolve("models/stories260K"));
             BitDeltaArtifact artifact = BitDeltaArtifact.open(Fixtures.repoRoot().resolve("models/deltas/" + tenant + ".safetensors"), base)) {
            assertThat(artifact.delta(tenant).projections()).hasSize(35);
            assertThat(artifact.settings().path("method").asString()).isEqualTo("bitdelta-calibrated");
            double distilled = ReferenceOracle.root().get("perplexity").get("table").get(tenant + "@bitdelta-distilled").get(tenant).asDouble();
            assertThat(artifact.quality().path("text").asString()).isEqualTo("eval.txt");
            assertThat(artifact.quality().path("compressed_perplexity").asDouble()).isLessThan(distilled);
        }
    }
}
