package dev.signet.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/** The draft-rows bandit settles where measured tokens per second are highest, and on 0 where trees never pay. */
class DraftRowsControllerTest {

    /** Runs the controller against a machine whose throughput is {@code rate(rows)} tokens per second. */
    private static int[] settle(int maxRows, IntToDoubleFunction rate, int windows) {
        DraftRowsController c = new DraftRowsController(maxRows);
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
        assertThat(chosen[0]).as("steps without trees").isGreaterThan((int) (0.6 * 200 * DraftRowsController.WINDOW));
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
