package dev.signet.engine.bitdelta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.signet.engine.backend.Backend;
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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The three plain BitDeltas, all resident on one base model, reproduce transformers' perplexities of
 * {@code <tenant>@bitdelta} on every eval set within 0.5%.
 */
class DeltaPerplexityTest {
    @Test
    void everyCompressedTenantMatchesTheReferenceTableOnEveryEvalSet() {
        JsonNode perplexity = ReferenceOracle.root().get("perplexity");
        try (LlamaCheckpoint base = LlamaCheckpoint.open(TenantDeltas.base()); Backend backend = Backends.open("cpu");
             LlamaModel model = new LlamaModel(base, backend, WindowRunner.options(EvalWindows.DEFAULT_LENGTH))) {
            List<BitDeltaArtifact> artifacts = new ArrayList<>();
            List<ResidentDelta> deltas = new ArrayList<>();
            try {
                for (String t : TenantDeltas.TENANTS) {
                    artifacts.add(BitDeltaArtifact.open(TenantDeltas.plain(t), base));
                    deltas.add(model.load(artifacts.getLast().delta(t)));
                }
                for (var set : perplexity.get("eval_sets").properties()) {
                    EvalWindows windows = EvalWindows.read(Fixtures.path(set.getValue().asString()), base.tokenizer());
                    for (ResidentDelta d : deltas) {
                        double expected = perplexity.get("table").get(d.id() + "@bitdelta").get(set.getKey()).asDouble();
                        assertThat(Perplexity.measure(new ModelVariant(model, d), windows).perplexity())
                                .as(d.id() + "@bitdelta on " + set.getKey()).isCloseTo(expected, withinPercentage(0.5));
                    }
                }
            } finally {
                deltas.forEach(ResidentDelta::close);
                artifacts.forEach(BitDeltaArtifact::close);
            }
        }
    }
}
