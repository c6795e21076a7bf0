package dev.signet.engine.testing;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.backend.reference.ReferenceBackend;

/** The CPU backends by the names tests parameterise over. */
public final class Backends {
    private Backends() {}

    public static Backend open(String name) {
        return switch (name) {
            case "cpu" -> new VectorCpuBackend(2);
            case "reference" -> new ReferenceBackend();
            default -> throw new IllegalArgumentException(name);
        };
    }
}
