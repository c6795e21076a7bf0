package dev.signet.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/** The draft-rows bandit settles where measured tokens per second are highest, and on 0 where trees never pay. */
class DraftRowsControllerTest {

    /** Runs the controller against a machine whose throughput is {@code rate(rows)} tokens per second. */
    private static int[] settle(int maxRows, IntToDoubleFunction rate, int windows) {
        return settle(new DraftRowsController(maxRows), maxRows, rate, windows);
    }

    private static int[] settle(DraftRowsController c, int maxRows, IntToDoubleFunction rate, int windows) {
        int[] chosen = new int[maxRows + 1];
        for (int step = 0; step < windows * DraftRowsController.WINDOW; step++) {
            int rows = c.rows();
            chosen[rows]++;
            c.observe(10, (long) (10 / rate.applyAsDouble(rows) * 1e9));
        }
        return chosen;
    }

    @Test
    void settlesOnTheRowsThatGiveTheMostTokensPerSecond() {
        // Trees pay up to 8 spare rows, then cost more than they gain.
        int[] chosen = settle(32, rows -> rows <= 8 ? 100 + rows * 10 : 180 - rows, 200);
        assertThat(chosen[8]).as("windows on the best arm").isGreaterThan(chosen[4] + chosen[16] + chosen[32] + chosen[0]);
    }

    @Test
    void turnsSpeculationOffWhereItNeverPays() {
        int[] chosen = settle(16, rows -> 100.0 / (1 + rows), 200);
        assertThat(chosen[0]).as("steps without trees").isGreaterThan((int) (0.9 * 200 * DraftRowsController.WINDOW));
    }

    @Test
    void triesTheNeighbourEverMoreRarelyWhileTheBestHolds() {
        DraftRowsController c = new DraftRowsController(16);
        IntToDoubleFunction neverPays = rows -> 100.0 / (1 + rows);
        settle(c, 16, neverPays, 100);
        int[] later = settle(c, 16, neverPays, 400);
        // Backing off to one try per MAX_EXPLORE_EVERY windows: at most 400 / 64 + 1 windows away from 0.
        assertThat(400 * DraftRowsController.WINDOW - later[0]).as("steps spent trying trees")
                .isLessThanOrEqualTo((400 / DraftRowsController.MAX_EXPLORE_EVERY + 1) * DraftRowsController.WINDOW);
    }

    @Test
    void followsWhenTreesStartToPay() {
        DraftRowsController c = new DraftRowsController(16);
        settle(c, 16, rows -> 100.0 / (1 + rows), 300);   // settled on 0, exploring rarely
        int[] after = settle(c, 16, rows -> 100.0 + 10 * rows, 300);
        assertThat(after[16]).as("steps on the largest trees once they pay: %s", java.util.Arrays.toString(after)).isGreaterThan(after[0] + after[1] + after[2] + after[4] + after[8]);
    }

    @Test
    void withoutDraftRowsThereIsNothingToChoose() {
        DraftRowsController c = new DraftRowsController(0);
        for (int i = 0; i < 100; i++) {
            assertThat(c.rows()).isZero();
            c.observe(1, 1_000_000);
        }
    }
}
