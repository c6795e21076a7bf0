package dev.signet.engine.cli;

import dev.signet.engine.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@code signet} in-process and keeps what it printed, for the command tests. */
abstract class CliHarness {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) {
        return SignetCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    static String fixture(String relative) {
        return Fixtures.path(relative).toString();
    }
}
