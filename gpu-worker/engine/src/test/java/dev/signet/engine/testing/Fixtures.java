package dev.signet.engine.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the shared fixtures ({@code ../shared/fixtures} beside the checkout) and the repository root.
 * Surefire passes both as system properties; running a test from an IDE falls back to walking up from
 * the working directory. A missing fixtures folder fails the test loudly: CI always has it.
 */
public final class Fixtures {
    private Fixtures() {}

    /** The repository root (the folder holding the top-level {@code pom.xml} and {@code signet}). */
    public static Path repoRoot() {
        String prop = System.getProperty("signet.repo");
        if (prop != null) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("signet")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the Signet repository root above " + Path.of("").toAbsolutePath());
    }

    /** {@code ../shared/fixtures}: real models, tenants, corpora and reference outputs. */
    public static Path root() {
        String prop = System.getProperty("signet.fixtures");
        Path dir = prop != null ? Path.of(prop) : repoRoot().resolve("../shared/fixtures");
        dir = dir.toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("README.md"))) {
            throw new IllegalStateException("shared fixtures not found at " + dir
                    + " (expected ../shared/fixtures beside the checkout, or -Dsignet.fixtures=DIR)");
        }
        return dir;
    }

    public static Path path(String relative) {
        return root().resolve(relative);
    }
}
