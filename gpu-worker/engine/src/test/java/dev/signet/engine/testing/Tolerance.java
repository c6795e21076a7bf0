package dev.signet.engine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Comparisons by relative error, ‖actual − expected‖ / ‖expected‖, the measure every numeric test uses. */
public final class Tolerance {
    private Tolerance() {}

    public static double relativeError(float[] actual, float[] expected) {
        assertEquals(expected.length, actual.length, "lengths differ");
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            if (!Float.isFinite(actual[i])) {
                fail("non-finite value " + actual[i] + " at index " + i);
            }
            double d = (double) actual[i] - expected[i];
            diff += d * d;
            norm += (double) expected[i] * expected[i];
        }
        if (norm == 0) {
            fail("the expected vector is all zeros: a comparison against zeros proves nothing");
        }
        return Math.sqrt(diff / norm);
    }

    public static void assertClose(float[] actual, float[] expected, double maxRelativeError, String what) {
        double err = relativeError(actual, expected);
        if (!(err <= maxRelativeError)) {
            fail(what + ": relative error " + err + " exceeds " + maxRelativeError);
        }
    }
}
