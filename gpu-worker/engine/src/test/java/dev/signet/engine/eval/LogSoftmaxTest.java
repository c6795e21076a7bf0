package dev.signet.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The scoring math on rows small enough to work out by hand. */
class LogSoftmaxTest {

    static float[] logs(double... p) {
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (float) Math.log(p[i]);
        }
        return out;
    }

    @Test
    void klOfAHalfQuarterQuarterAgainstUniformIsWorkedOutByHand() {
        // KL = ½ ln(½ / ⅓) + 2 · ¼ ln(¼ / ⅓) = ½ ln 1.5 + ½ ln 0.75
        double expected = 0.5 * Math.log(1.5) + 0.5 * Math.log(0.75);
        assertThat(expected).isCloseTo(0.058891517, within(1e-9));
        float[] p = logs(0.5, 0.25, 0.25);
        float[] q = {0f, 0f, 0f};
        assertThat(LogSoftmax.kl(p, 0, q, 0, 3)).isCloseTo(expected, within(1e-7));
        // The reverse direction differs: ⅓ ln(⅓ / ½) + ⅔ ln(⅓ / ¼).
        assertThat(LogSoftmax.kl(q, 0, p, 0, 3)).isCloseTo(Math.log(2.0 / 3) / 3 + 2 * Math.log(4.0 / 3) / 3, within(1e-7));
    }

    @Test
    void klOfARowWithItselfIsExactlyZeroAndShiftsDoNotMatter() {
        float[] a = {3.5f, -1.25f, 0.5f, 7f};
        assertThat(LogSoftmax.kl(a, 0, a, 0, 4)).isZero();
        float[] shifted = {103.5f, 98.75f, 100.5f, 107f};
        assertThat(LogSoftmax.kl(a, 0, shifted, 0, 4)).isCloseTo(0, within(1e-9));
    }

    @Test
    void nllReadsTheTargetsLogProbabilityAtAnyOffsetAndMagnitude() {
        float[] row = {9f, 9f, (float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.25)};
        assertThat(LogSoftmax.nll(row, 2, 3, 0)).isCloseTo(Math.log(2), within(1e-7));
        assertThat(LogSoftmax.nll(row, 2, 3, 2)).isCloseTo(Math.log(4), within(1e-7));
        // exp(1000) overflows a double; subtracting the maximum first keeps it finite.
        float[] large = {1000f, 1000f};
        assertThat(LogSoftmax.nll(large, 0, 2, 1)).isCloseTo(Math.log(2), within(1e-12));
    }

    @Test
    void aTokenTheCandidateRulesOutGivesInfiniteKlAndOneTheReferenceRulesOutCountsNothing() {
        float[] p = {0f, Float.NEGATIVE_INFINITY};
        float[] q = {Float.NEGATIVE_INFINITY, 0f};
        assertThat(LogSoftmax.kl(p, 0, q, 0, 2)).isInfinite();
        float[] uniform = {0f, 0f};
        assertThat(LogSoftmax.kl(p, 0, uniform, 0, 2)).isCloseTo(Math.log(2), within(1e-12));
    }
}
