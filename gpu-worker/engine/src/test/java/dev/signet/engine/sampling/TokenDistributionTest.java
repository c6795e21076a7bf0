package dev.signet.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The warped next-token distribution: probabilities, exclusion with renormalisation, greedy as a point mass. */
class TokenDistributionTest {
    private static final float[] LOGITS = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};

    private static TokenDistribution distribution(float temperature, int topK, float topP) {
        return new TokenDistribution(new SamplingParams(temperature, topK, topP, OptionalLong.empty(), 8, List.of(), false));
    }

    @Test
    void excludingATokenRenormalisesTheRest() {
        TokenDistribution d = distribution(1f, 0, 1f);
        d.set(LOGITS, 0, 3);
        assertThat(d.probability(0)).isCloseTo(0.5, within(1e-6));
        d.exclude(0);
        assertThat(d.probability(0)).isZero();
        assertThat(d.probability(1)).isCloseTo(0.6, within(1e-6));
        assertThat(d.probability(2)).isCloseTo(0.4, within(1e-6));
        d.exclude(1);
        assertThat(d.probability(2)).as("the last token in play, exactly").isEqualTo(1.0);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 100; i++) {
            assertThat(d.draw(random)).isEqualTo(2);
        }
        d.exclude(2);
        assertThatThrownBy(() -> d.draw(random)).isInstanceOf(IllegalStateException.class);
    }

    /** top-k 2 keeps {0.5, 0.3} → {0.625, 0.375}; top-p 0.5 keeps only 0.5; excluding in the nucleus renormalises too. */
    @Test
    void filteredTokensHaveProbabilityZero() {
        TokenDistribution topK = distribution(1f, 2, 1f);
        topK.set(LOGITS, 0, 3);
        assertThat(topK.probability(0)).isCloseTo(0.625, within(1e-6));
        assertThat(topK.probability(2)).isZero();
        topK.exclude(0);
        assertThat(topK.probability(1)).isEqualTo(1.0);
        assertThat(topK.draw(new SplittableRandom(3))).isEqualTo(1);
        TokenDistribution topP = distribution(1f, 0, 0.5f);
        topP.set(LOGITS, 0, 3);
        assertThat(topP.probability(0)).isEqualTo(1.0);
        assertThat(topP.probability(1)).isZero();
    }

    /** Draws after an exclusion follow the residual: 0.3 / 0.5 of them are token 1 (1%, 4.5 standard deviations). */
    @Test
    void drawsFollowTheResidual() {
        TokenDistribution d = distribution(1f, 3, 1f);
        SplittableRandom random = new SplittableRandom(9);
        int ones = 0;
        for (int i = 0; i < 20_000; i++) {
            d.set(LOGITS, 0, 3);
            d.exclude(0);
            int t = d.draw(random);
            assertThat(t).isNotZero();
            ones += t == 1 ? 1 : 0;
        }
        assertThat(ones / 20_000.0).isCloseTo(0.6, within(0.016));
    }

    @Test
    void greedyIsAPointMassAndDrawsNoRandomness() {
        TokenDistribution d = new TokenDistribution(SamplingParams.greedy(4));
        d.set(LOGITS, 0, 3);
        assertThat(d.probability(0)).isEqualTo(1.0);
        assertThat(d.probability(1)).isZero();
        SplittableRandom random = new SplittableRandom(5);
        assertThat(d.draw(random)).isZero();
        assertThat(random.nextLong()).isEqualTo(new SplittableRandom(5).nextLong());
    }

    @Test
    void refusesTokensOutsideTheVocabulary() {
        TokenDistribution d = distribution(1f, 0, 1f);
        d.set(LOGITS, 0, 3);
        assertThatThrownBy(() -> d.probability(3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 3)");
    }
}
