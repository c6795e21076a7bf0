package dev.signet.worker.config;

import java.nio.file.Path;

/**
 * The Signet checkout (or installation) the worker's defaults point into: the system property {@code signet.home},
 * which the {@code ./signet} launcher sets, else the working directory. The bundled demo lives under it:
 * {@code models/stories260K} and {@code models/deltas}.
 */
public final class SignetHome {
    public static final String PROPERTY = "signet.home";

    private SignetHome() {}

    public static Path dir() {
        String home = System.getProperty(PROPERTY);
        Path dir = home == null || home.isBlank() ? Path.of("") : Path.of(home);
        return dir.toAbsolutePath().normalize();
    }

    public static Path resolve(String relative) {
        return dir().resolve(relative);
    }
}
