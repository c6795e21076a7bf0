package dev.signet.engine.bitdelta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.backend.SignMatrix;
import dev.signet.engine.backend.SignPlane;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.ModelDelta;
import dev.signet.engine.safetensors.LittleEndian;
import dev.signet.engine.testing.Fixtures;
import dev.signet.engine.testing.ReferenceOracle;
import dev.signet.engine.testing.TenantDeltas;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Plain compression of the fixture tenants is BitDelta exactly as the fixtures' reference computed it: the
 * same 35 scales (float32-equal) and the same number of +1 signs per matrix, with the fine-tune's changed
 * tensors (norms; the embedding where it was trained) stored densely and the unchanged ones left out.
 */
class PlainCompressionTest {
    @ParameterizedTest
    @ValueSource(strings = {"caps", "pycode", "legal"})
    void reproducesTheReferenceScalesAndSignCounts(String tenant) throws Exception {
        JsonNode alphas = JsonMapper.builder().build().readTree(Files.readString(Fixtures.path("reference/bitdelta_alphas.json"))).get(tenant);
        JsonNode ones = ReferenceOracle.root().get("bitdelta").get("positive_bits").get(tenant);
        try (LlamaCheckpoint base = LlamaCheckpoint.open(TenantDeltas.base());
             LlamaCheckpoint tuned = LlamaCheckpoint.open(TenantDeltas.tenant(tenant));
             BitDeltaArtifact artifact = BitDeltaArtifact.open(TenantDeltas.plain(tenant), base)) {
            ModelDelta delta = artifact.delta(tenant);
            assertThat(delta.projections()).hasSize(35);
            assertThat(alphas.properties()).hasSize(35);
            for (var e : alphas.properties()) {
                SignMatrix m = delta.projections().get(e.getKey());
                assertThat(m.planes()).hasSize(1);
                SignPlane plane = m.planes().getFirst();
                assertThat(plane.scales()).as(e.getKey()).containsOnly((float) e.getValue().asDouble());
                assertThat(positiveBits(plane)).as(e.getKey()).isEqualTo(ones.get(e.getKey()).asLong());
            }
            // caps and pycode were tuned with a frozen embedding: it is bit-identical to the base's and left out.
            List<String> changed = base.weights().all()
                    .filter(t -> !BitDeltaFormat.isProjection(t.name()))
                    .filter(t -> t.data().mismatch(tuned.tensors().tensor(t.name()).data()) != -1)
                    .map(t -> t.name()).toList();
            assertThat(changed).hasSize(tenant.equals("legal") ? 12 : 11);
            assertThat(delta.dense().keySet()).containsExactlyInAnyOrderElementsOf(changed);
            for (String name : changed) {
                assertThat(delta.dense().get(name).data().mismatch(tuned.tensors().tensor(name).data())).as(name).isEqualTo(-1);
            }
            assertThat(artifact.settings().path("method").asString()).isEqualTo("bitdelta");
        }
    }

    private static long positiveBits(SignPlane plane) {
        long n = 0;
        int[] words = plane.words().toArray(LittleEndian.U32);
        for (int w : words) {
            n += Integer.bitCount(w);
        }
        return n;
    }
}
