package dev.signet.engine.cli;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.bitdelta.BitDeltaCompressor;
import dev.signet.engine.bitdelta.CompressionOptions;
import dev.signet.engine.bitdelta.CompressionReport;
import dev.signet.engine.model.LlamaCheckpoint;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** {@code signet compress}: a fine-tune folder → a BitDelta artifact against its base, with its quality report. */
final class CompressCommand {
    static final String USAGE = """
            usage: signet compress --base DIR --finetune DIR --out FILE [options]
              --base DIR             the base model folder the delta will be served on
              --finetune DIR         the fine-tune of that base (same architecture and shapes)
              --out FILE             the artifact to write (.safetensors); written atomically
              --calibration FILE     text to calibrate on (documents separated by "\\n<|endoftext|>\\n"): signs chosen
                                     by error feedback against the inputs each matrix meets, scales fitted to them,
                                     and second sign planes where they pay most, within --size-budget; without it,
                                     plain one-bit BitDelta
              --calibration-windows N   windows of 256 tokens taken from the calibration text (default 64)
              --size-budget X        artifact at most X × the one-bit artifact's size (default 1.2)
              --eval FILE            text for the quality report (default: the calibration text; none: no report)
              --json                 print the report as JSON
            """;

    private CompressCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        CliArgs args = new CliArgs(argv, 1,
                Set.of("base", "finetune", "out", "calibration", "calibration-windows", "size-budget", "eval"), Set.of("json"));
        Path baseDir = args.existingDir("base");
        Path tunedDir = args.existingDir("finetune");
        Path outFile = Path.of(args.required("out"));
        if (outFile.toAbsolutePath().getParent() == null || !Files.isDirectory(outFile.toAbsolutePath().getParent())) {
            throw new UsageException("--out " + outFile + ": its folder does not exist");
        }
        CompressionOptions options;
        try {
            options = new CompressionOptions(args.optionalFile("calibration"), args.optionalFile("eval"),
                    args.intValue("calibration-windows", CompressionOptions.DEFAULT_CALIBRATION_WINDOWS),
                    args.doubleValue("size-budget", CompressionOptions.DEFAULT_SIZE_BUDGET),
                    CompressionOptions.DEFAULT_COVARIANCE_MEMORY);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        boolean json = args.flag("json");
        ProgressBar bar = ProgressBar.onTerminal(err);
        CompressionReport report;
        try (LlamaCheckpoint base = LlamaCheckpoint.open(baseDir); LlamaCheckpoint tuned = LlamaCheckpoint.open(tunedDir)) {
            report = new BitDeltaCompressor(VectorCpuBackend::new).compress(base, tuned, outFile, options, bar::show);
        } finally {
            bar.finish();
        }
        if (json) {
            out.println(report.toJson().toPrettyString());
            return 0;
        }
        out.printf("wrote %s: %,d bytes (%.3f × one-bit BitDelta)%n", report.artifact(), report.fileBytes(), report.sizeRatio());
        out.println("method: " + report.settings().path("method").asString() + ", scales " + report.settings().path("scales").asString());
        JsonNode q = report.quality();
        if (q.isEmpty()) {
            out.println("quality: not measured (give --eval or --calibration text)");
        } else {
            out.printf("quality on %s (%d windows, %d tokens): fine-tune ppl %.4f, compressed ppl %.4f (×%.3f), mean KL %.5f nats%n",
                    q.path("text").asString(), q.path("windows").asInt(), q.path("tokens_scored").asLong(),
                    q.path("finetune_perplexity").asDouble(), q.path("compressed_perplexity").asDouble(),
                    q.path("perplexity_ratio").asDouble(), q.path("mean_kl").asDouble());
        }
        return 0;
    }
}
