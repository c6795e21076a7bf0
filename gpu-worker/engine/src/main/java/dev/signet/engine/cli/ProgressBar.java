package dev.signet.engine.cli;

import java.io.PrintStream;

/**
 * A one-line bar on a terminal; nothing when stderr is a pipe or file (logs stay clean). {@link #finish} ends the
 * line, so a command with several phases shows one finished bar per phase.
 */
final class ProgressBar {
    private final PrintStream err;
    private final boolean enabled;
    private boolean shown;

    ProgressBar(PrintStream err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    /** A bar that shows only when the command runs on a terminal. */
    static ProgressBar onTerminal(PrintStream err) {
        return new ProgressBar(err, System.console() != null);
    }

    void show(String label, long done, long total) {
        if (enabled) {
            int width = 30;
            int filled = (int) (width * done / Math.max(1, total));
            err.printf("\r[%s%s] %3d%% %-60.60s", "#".repeat(filled), " ".repeat(width - filled), 100 * done / Math.max(1, total), label);
            err.flush();
            shown = true;
        }
    }

    void finish() {
        if (shown) {
            err.println();
            shown = false;
        }
    }
}
