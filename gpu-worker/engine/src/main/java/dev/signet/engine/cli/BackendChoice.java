package dev.signet.engine.cli;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.backend.cuda.CudaBackend;
import dev.signet.engine.backend.reference.ReferenceBackend;

/** The {@code --backend} and {@code --threads} options shared by the commands that run a model. */
record BackendChoice(String name, int threads) {
    static final String OPTIONS = """
              --backend NAME     cpu (Vector API, default), cuda (GPU 0, through JCuda) or reference (plain Java, slow; the test oracle)
              --threads N        CPU threads for the cpu backend (default: all cores)
            """;

    static BackendChoice from(CliArgs args) {
        return new BackendChoice(args.value("backend").orElse("cpu"),
                args.intValue("threads", Runtime.getRuntime().availableProcessors()));
    }

    Backend open() {
        if (threads < 1) {
            throw new UsageException("--threads must be at least 1, got " + threads);
        }
        return switch (name) {
            case "cpu" -> new VectorCpuBackend(threads);
            case "reference" -> new ReferenceBackend();
            case "cuda" -> new CudaBackend();
            default -> throw new UsageException("unknown backend '" + name + "' (cpu, cuda, reference)");
        };
    }
}
