package dev.signet.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.engine.backend.reference.ReferenceBackend;
import dev.signet.engine.deltacache.DirectoryDeltaSource;
import dev.signet.engine.deltacache.HttpDeltaSource;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.scheduler.Speculator;
import dev.signet.worker.config.SignetHome;
import dev.signet.worker.config.WorkerProperties;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which heads a worker loads for which model, from {@code signet.worker.medusa.*}: deltas by digest or by name in the
 * delta folder, one heads file per folder, the defaults, and the settings that load nothing.
 */
class WorkerMedusaTest {
    static final Path BASE_HEADS = SignetHome.resolve("models/medusa/stories260K");
    static final Path CAPS_HEADS = SignetHome.resolve("models/medusa/caps");
    static LlamaCheckpoint checkpoint;
    static ReferenceBackend backend;
    static LlamaModel model;
    static DirectoryDeltaSource bundled;
    static String capsDigest;

    @BeforeAll
    static void open() {
        checkpoint = LlamaCheckpoint.open(SignetHome.resolve("models/stories260K"));
        backend = new ReferenceBackend();
        model = new LlamaModel(checkpoint, backend, new ModelOptions(16, 8, 16));
        bundled = new DirectoryDeltaSource(SignetHome.resolve("models/deltas"));
        capsDigest = bundled.digestsByName().get("caps");
    }

    @AfterAll
    static void close() {
        model.close();
        backend.close();
        checkpoint.close();
    }

    private static WorkerProperties.Medusa config(String base, Map<String, String> deltas, int draftRows) {
        return new WorkerProperties.Medusa(true, base, deltas, true, draftRows, true, "lossless");
    }

    @Test
    void deltasByDigestOrByNameGetTheirOwnHeadsAndAFolderOpensOnce() {
        try (WorkerMedusa m = WorkerMedusa.load(config(null, Map.of(capsDigest, CAPS_HEADS.toString(), "pycode", BASE_HEADS.toString()), 16),
                Optional.of(BASE_HEADS), Map.of(), model, backend, bundled)) {
            assertThat(m.active()).isTrue();
            assertThat(m.speculator()).isNotSameAs(Speculator.NONE);
            assertThat(m.speculator().speculates(null)).isTrue();
            assertThat(m.speculator().speculates(capsDigest)).isTrue();
            assertThat(m.speculator().speculates("0".repeat(64))).as("a delta without heads: the base's").isTrue();
            assertThat(m.base().orElseThrow().dir()).isEqualTo(BASE_HEADS.toString());
            assertThat(m.deltas()).containsOnlyKeys(capsDigest, bundled.digestsByName().get("pycode"));
            assertThat(m.deltas().get(capsDigest).dir()).isEqualTo(CAPS_HEADS.toString());
            assertThat(m.base().orElseThrow().treeNodes()).isEqualTo(62);
            assertThat(m.maxDepth()).isEqualTo(3);
            assertThat(m.draftRows()).isEqualTo(16);
            assertThat(m.toString()).contains("the base and 2 deltas");
        }
    }

    @Test
    void theDefaultsApplyOnlyToUnsetProperties() {
        try (WorkerMedusa m = WorkerMedusa.load(config(null, null, 16), Optional.of(BASE_HEADS), Map.of("caps", CAPS_HEADS),
                model, backend, bundled)) {
            assertThat(m.base()).isPresent();
            assertThat(m.deltas()).containsOnlyKeys(capsDigest);
        }
        try (WorkerMedusa m = WorkerMedusa.load(config("none", Map.of("caps", "none"), 16), Optional.of(BASE_HEADS),
                Map.of("caps", CAPS_HEADS), model, backend, bundled)) {
            assertThat(m.active()).as("'none' everywhere").isFalse();
            assertThat(m.speculator()).isSameAs(Speculator.NONE);
            assertThat(m.draftRows()).isZero();
        }
    }

    @Test
    void switchedOffNothingLoadsNotEvenABadFolder() {
        Path missing = SignetHome.resolve("models/medusa/no-such-heads");
        WorkerMedusa off = WorkerMedusa.load(config(missing.toString(), Map.of(), 0), Optional.empty(), Map.of(), model, backend, bundled);
        assertThat(off.active()).isFalse();
        assertThat(off.draftRows()).isZero();
        WorkerMedusa disabled = WorkerMedusa.load(new WorkerProperties.Medusa(false, missing.toString(), null, true, 16, true, "typical"),
                Optional.empty(), Map.of(), model, backend, bundled);
        assertThat(disabled.active()).isFalse();
    }

    @Test
    void deltaKeysThatCannotBeResolvedFailTheLoad() {
        assertThatThrownBy(() -> WorkerMedusa.load(config(null, Map.of("nosuch", CAPS_HEADS.toString()), 16), Optional.empty(), Map.of(),
                model, backend, bundled))
                .hasMessageContaining("no delta named 'nosuch'").hasMessageContaining("caps");
        assertThatThrownBy(() -> WorkerMedusa.load(config(null, Map.of("caps", CAPS_HEADS.toString(), capsDigest, CAPS_HEADS.toString()), 16),
                Optional.empty(), Map.of(), model, backend, bundled))
                .hasMessageContaining("are the same delta " + capsDigest);
        assertThatThrownBy(() -> WorkerMedusa.load(config(null, Map.of("caps", CAPS_HEADS.toString()), 16), Optional.empty(), Map.of(),
                model, backend, new HttpDeltaSource(URI.create("http://store.invalid:8092"))))
                .hasMessageContaining("'caps' is a delta's name").hasMessageContaining("give the delta's sha256 digest");
    }

    @Test
    void aMissingHeadsFolderFailsTheLoadWithTheEnginesMessage() {
        Path missing = SignetHome.resolve("models/medusa/no-such-heads");
        assertThatThrownBy(() -> WorkerMedusa.load(config(null, Map.of(capsDigest, missing.toString()), 16), Optional.of(BASE_HEADS),
                Map.of(), model, backend, bundled))
                .isInstanceOf(dev.signet.engine.medusa.MedusaFormatException.class)
                .hasMessageContaining("file check failed").hasMessageContaining(missing.toString());
    }
}
