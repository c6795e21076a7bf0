package dev.signet.engine.medusa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import org.junit.jupiter.api.Test;

/** The tests' critical values: Wilson–Hilferty against the chi-square table at p = 0.001, for 4 degrees of freedom and up. */
class ChiSquareTest {

    @Test
    void wilsonHilfertyIsWithinTwoPercentOfTheTableAndErrsHigh() {
        double[][] table = {{4, 18.467}, {5, 20.515}, {7, 24.322}, {10, 29.588}, {20, 45.315}, {30, 59.703}, {60, 99.607}};
        for (double[] row : table) {
            double critical = ChiSquare.criticalValue((int) row[0], ChiSquare.Z_999);
            assertThat(critical).as("%s degrees of freedom", (int) row[0])
                    .isCloseTo(row[1], withinPercentage(2))
                    .isGreaterThan(row[1]);  // so a test rejects a correct sampler a little less often than 0.1%
        }
    }
}
