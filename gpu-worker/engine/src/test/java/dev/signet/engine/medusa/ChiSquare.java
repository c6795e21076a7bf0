package dev.signet.engine.medusa;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

/** Pearson's goodness-of-fit test against a known distribution, with the critical value from Wilson–Hilferty. */
final class ChiSquare {
    /** The standard normal's 0.999 quantile: tests here reject at p = 0.001. */
    static final double Z_999 = 3.090232306167813;

    private ChiSquare() {
    }

    /**
     * Upper quantile of chi-square with {@code df} degrees of freedom at the normal quantile {@code z}, by
     * Wilson and Hilferty (1931): (X / df)^(1/3) is nearly normal with mean 1 − 2/(9 df) and variance 2/(9 df).
     */
    static double criticalValue(int df, double z) {
        double v = 2.0 / (9.0 * df);
        double root = 1 - v + z * Math.sqrt(v);
        return df * root * root * root;
    }

    /** Pearson's statistic and its degrees of freedom (non-empty cells − 1); cells of probability 0 must be empty. */
    record Result(double statistic, int degreesOfFreedom) {
        double critical() {
            return criticalValue(degreesOfFreedom, Z_999);
        }
    }

    static Result test(long[] counts, double[] probabilities, String what) {
        long n = Arrays.stream(counts).sum();
        double chi = 0;
        int cells = 0;
        for (int i = 0; i < counts.length; i++) {
            if (probabilities[i] == 0) {
                assertThat(counts[i]).as("%s: cell %d has probability 0", what, i).isZero();
                continue;
            }
            double expected = probabilities[i] * n;
            assertThat(expected).as("%s: cell %d expects too few draws for the test", what, i).isGreaterThanOrEqualTo(5);
            chi += (counts[i] - expected) * (counts[i] - expected) / expected;
            cells++;
        }
        return new Result(chi, cells - 1);
    }

    /** Asserts that {@code counts} could have come from {@code probabilities}: the test does not reject at p = 0.001. */
    static void assertFollows(long[] counts, double[] probabilities, String what) {
        Result r = test(counts, probabilities, what);
        assertThat(r.statistic()).as("%s: chi-square with %d degrees of freedom (critical %.2f), counts %s", what,
                r.degreesOfFreedom(), r.critical(), Arrays.toString(counts)).isLessThan(r.critical());
    }
}
