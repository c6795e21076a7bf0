package dev.signet.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.testing.Backends;
import dev.signet.engine.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Comparing a candidate with a reference on the same windows: perplexities of both and KL(reference ‖ candidate). */
class ModelComparisonTest {
    static LlamaCheckpoint base;
    static LlamaCheckpoint caps;
    static Backend backend;
    static EvalWindows capsEval;

    @BeforeAll
    static void open() {
        base = LlamaCheckpoint.open(Fixtures.path("stories260K"));
        caps = LlamaCheckpoint.open(Fixtures.path("tenants/caps"));
        backend = Backends.open("cpu");
        capsEval = EvalWindows.read(Fixtures.path("corpora/caps/eval.txt"), base.tokenizer(), 8, EvalWindows.DEFAULT_LENGTH);
    }

    @AfterAll
    static void close() {
        backend.close();
        caps.close();
        base.close();
    }

    static LlamaModel model(LlamaCheckpoint ckpt) {
        return new LlamaModel(ckpt, backend, WindowRunner.options(EvalWindows.DEFAULT_LENGTH));
    }

    @Test
    void aModelComparedWithItselfHasZeroKlAndEqualPerplexities() {
        try (LlamaModel model = model(base)) {
            ModelVariant variant = ModelVariant.base(model);
            ModelComparison same = ModelComparison.measure(variant, variant, capsEval);

            assertThat(same.meanKl()).isBetween(0.0, 1e-9);
            assertThat(same.candidate()).isEqualTo(same.reference());
            assertThat(same.reference()).isEqualTo(Perplexity.measure(variant, capsEval));
            assertThat(same.tokensScored()).isEqualTo(8 * 255);
            assertThat(same.windows()).isEqualTo(8);
        }
    }

    @Test
    void theBaseDivergesFromTheFineTuneItWasTrainedInto() {
        try (LlamaModel reference = model(caps); LlamaModel candidate = model(base)) {
            ModelComparison cmp = ModelComparison.measure(ModelVariant.base(reference), ModelVariant.base(candidate), capsEval);

            assertThat(cmp.meanKl()).isGreaterThan(0.1);
            assertThat(cmp.reference()).isEqualTo(Perplexity.measure(ModelVariant.base(reference), capsEval));
            assertThat(cmp.candidate()).isEqualTo(Perplexity.measure(ModelVariant.base(candidate), capsEval));
            assertThat(cmp.reference().perplexity()).isLessThan(cmp.candidate().perplexity());
        }
    }

    @Test
    void variantsSharingAModelWithRoomForOneWindowRunOneAfterTheOther() {
        try (LlamaModel tight = new LlamaModel(base, backend, ModelOptions.forSequences(1, 256, 256));
             LlamaModel roomy = model(base)) {
            ModelVariant variant = ModelVariant.base(tight);
            ModelComparison cmp = ModelComparison.measure(variant, variant, capsEval);

            assertThat(cmp.meanKl()).isZero();
            // One window per step or four: the same numbers, since every window starts from position 0.
            assertThat(cmp.reference().meanNll())
                    .isCloseTo(Perplexity.measure(ModelVariant.base(roomy), capsEval).meanNll(), org.assertj.core.api.Assertions.within(1e-6));
            assertThat(tight.kvCache().usage()).isZero();
        }
    }

    @Test
    void aModelWhoseStepCannotHoldAWindowIsRefusedWithWhatToEnlarge() {
        try (LlamaModel small = new LlamaModel(base, backend, ModelOptions.forSequences(1, 256, 64))) {
            assertThatThrownBy(() -> Perplexity.measure(ModelVariant.base(small), capsEval))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs 256 rows per step")
                    .hasMessageContaining("allows 64 rows");
        }
    }
}
