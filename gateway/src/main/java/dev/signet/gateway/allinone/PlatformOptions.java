package dev.signet.gateway.allinone;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code ./signet up} was asked for: the Signet checkout whose bundled model and demo deltas it serves
 * ({@code home}), where the registry, the store and the worker's disk cache keep their files ({@code dataDir}), and
 * where the public API listens ({@code host}:{@code port}). Other {@code --key=value} options are Spring properties
 * given to every service (e.g. {@code --signet.worker.threads=2}).
 */
public record PlatformOptions(Path home, Path dataDir, String host, int port, List<String> serviceProperties) {
    public static final int DEFAULT_PORT = 8080;

    public PlatformOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be 0..65535 (0: any free port), got " + port);
        }
        serviceProperties = List.copyOf(serviceProperties);
    }

    /** Parses {@code --port=N}, {@code --host=H}, {@code --data-dir=DIR}; the rest must be {@code --key=value}. */
    public static PlatformOptions parse(Path home, String... args) {
        Path dataDir = home.resolve("data");
        String host = "localhost";
        int port = DEFAULT_PORT;
        List<String> properties = new ArrayList<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 3) {
                throw new IllegalArgumentException("expected --key=value, got '" + arg + "'");
            }
            String key = arg.substring(2, eq);
            String value = arg.substring(eq + 1);
            switch (key) {
                case "port" -> port = parsePort(value);
                case "host" -> host = value;
                case "data-dir" -> dataDir = Path.of(value);
                default -> properties.add(key + "=" + value);
            }
        }
        return new PlatformOptions(home.toAbsolutePath().normalize(), dataDir.toAbsolutePath().normalize(), host, port, properties);
    }

    private static int parsePort(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--port expects a number, got '" + value + "'");
        }
    }
}
