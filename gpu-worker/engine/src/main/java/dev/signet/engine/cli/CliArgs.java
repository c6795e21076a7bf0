package dev.signet.engine.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A subcommand's arguments: {@code --name value} options (repeatable where allowed), {@code --flag}s and
 * positionals. Every option must be declared; unknown ones, missing values and malformed numbers are
 * reported with the option's name.
 */
final class CliArgs {
    private final Map<String, List<String>> options = new HashMap<>();
    private final List<String> positionals = new ArrayList<>();
    private final Set<String> flags;

    CliArgs(String[] args, int from, Set<String> valued, Set<String> flags) {
        this.flags = flags;
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                positionals.add(a);
                continue;
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                options.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException("unknown option --" + name);
            }
        }
    }

    List<String> positionals() {
        return positionals;
    }

    boolean flag(String name) {
        if (!flags.contains(name)) {
            throw new IllegalArgumentException("undeclared flag " + name);
        }
        return options.containsKey(name);
    }

    Optional<String> value(String name) {
        List<String> values = options.get(name);
        if (values == null) {
            return Optional.empty();
        }
        if (values.size() > 1) {
            throw new UsageException("--" + name + " given " + values.size() + " times");
        }
        return Optional.of(values.getFirst());
    }

    List<String> values(String name) {
        return options.getOrDefault(name, List.of());
    }

    String required(String name) {
        return value(name).orElseThrow(() -> new UsageException("--" + name + " is required"));
    }

    Path existingDir(String name) {
        Path p = Path.of(required(name));
        if (!Files.isDirectory(p)) {
            throw new UsageException("--" + name + " " + p + " is not a directory");
        }
        return p;
    }

    Path existingFile(String name) {
        Path p = Path.of(required(name));
        if (!Files.isRegularFile(p)) {
            throw new UsageException("--" + name + " " + p + " is not a file");
        }
        return p;
    }

    /** An optional file option: absent gives null, present must name an existing file. */
    Path optionalFile(String name) {
        return value(name).isPresent() ? existingFile(name) : null;
    }

    double doubleValue(String name, double fallback) {
        return value(name).map(v -> parse(name, v, Double::parseDouble)).orElse(fallback);
    }

    int intValue(String name, int fallback) {
        return value(name).map(v -> parse(name, v, Integer::parseInt)).orElse(fallback);
    }

    long longValue(String name, long fallback) {
        return value(name).map(v -> parse(name, v, Long::parseLong)).orElse(fallback);
    }

    float floatValue(String name, float fallback) {
        return value(name).map(v -> parse(name, v, Float::parseFloat)).orElse(fallback);
    }

    private static <T> T parse(String name, String value, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a number, got '" + value + "'");
        }
    }
}
