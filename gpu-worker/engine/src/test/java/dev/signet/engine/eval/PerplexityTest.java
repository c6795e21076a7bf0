package dev.signet.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.testing.Backends;
import dev.signet.engine.testing.Fixtures;
import dev.signet.engine.testing.ReferenceOracle;
import dev.signet.engine.tokenizer.TokenizerLoader;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * The base model and the three fine-tunes on every eval set of the fixtures' perplexity protocol reproduce
 * transformers' perplexity table in reference.json within 0.5% (relative), on the Vector API CPU backend.
 */
class PerplexityTest {
    static final JsonNode PERPLEXITY = ReferenceOracle.root().get("perplexity");
    static final Map<String, EvalWindows> WINDOWS = new LinkedHashMap<>();

    @BeforeAll
    static void buildTheWindowsOfEveryEvalSet() {
        var tokenizer = TokenizerLoader.load(Fixtures.path("stories260K"));
        PERPLEXITY.get("eval_sets").properties()
                .forEach(e -> WINDOWS.put(e.getKey(), EvalWindows.read(Fixtures.path(e.getValue().asString()), tokenizer)));
        assertThat(WINDOWS).containsOnlyKeys("caps", "pycode", "legal", "stories");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"base, stories260K", "caps, tenants/caps", "pycode, tenants/pycode", "legal, tenants/legal"})
    void matchesTheReferencePerplexityOnEveryEvalSet(String name, String dir) {
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.path(dir)); Backend backend = Backends.open("cpu");
             LlamaModel model = new LlamaModel(ckpt, backend, WindowRunner.options(EvalWindows.DEFAULT_LENGTH))) {
            WINDOWS.forEach((set, windows) -> {
                Perplexity ppl = Perplexity.measure(ModelVariant.base(model), windows);
                double expected = PERPLEXITY.get("table").get(name).get(set).asDouble();
                assertThat(ppl.tokensScored()).isEqualTo(16320);
                assertThat(ppl.windows()).isEqualTo(64);
                assertThat(ppl.perplexity()).as(name + " on " + set + " eval").isCloseTo(expected, withinPercentage(0.5));
                assertThat(model.kvCache().usage()).as("every window's blocks are released").isZero();
            });
        }
    }
}
