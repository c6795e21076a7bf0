package dev.signet.engine.cli;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.bitdelta.BitDeltaArtifact;
import dev.signet.engine.eval.EvalWindows;
import dev.signet.engine.eval.ModelVariant;
import dev.signet.engine.eval.Perplexity;
import dev.signet.engine.eval.WindowRunner;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ResidentDelta;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;

/** {@code signet eval}: the perplexity of a model folder (optionally under a tenant's delta) on a text file. */
final class EvalCommand {
    static final String USAGE = """
            usage: signet eval --model DIR --text FILE [options]
              --model DIR        Hugging Face Llama folder (config.json, safetensors, tokenizer)
              --delta FILE       score the model under this tenant's BitDelta 
              --text FILE        UTF-8 text; documents separated by "\\n<|endoftext|>\\n", each scored after BOS
              --windows N        windows of 256 tokens to score, from the start of the text (default 64)
              --json             print the result as one JSON object
            """ + BackendChoice.OPTIONS;

    private EvalCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        CliArgs args = new CliArgs(argv, 1, Set.of("model", "delta", "text", "windows", "backend", "threads"), Set.of("json"));
        Path modelDir = args.existingDir("model");
        Path textFile = Path.of(args.required("text"));
        Path deltaFile = args.optionalFile("delta");
        int count = args.intValue("windows", EvalWindows.DEFAULT_COUNT);
        if (count < 1) {
            throw new UsageException("--windows must be at least 1, got " + count);
        }
        boolean json = args.flag("json");
        BackendChoice choice = BackendChoice.from(args);
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(modelDir); Backend backend = choice.open()) {
            EvalWindows windows = EvalWindows.read(textFile, ckpt.tokenizer(), count, EvalWindows.DEFAULT_LENGTH);
            try (LlamaModel model = new LlamaModel(ckpt, backend, WindowRunner.options(windows.length()));
                 BitDeltaArtifact artifact = deltaFile == null ? null : BitDeltaArtifact.open(deltaFile, ckpt);
                 ResidentDelta delta = artifact == null ? null : model.load(artifact.delta(artifact.fileId()))) {
                long start = System.nanoTime();
                Perplexity ppl = Perplexity.measure(new ModelVariant(model, delta), windows);
                double seconds = (System.nanoTime() - start) / 1e9;
                if (json) {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("model", modelDir.toString());
                    doc.put("delta", deltaFile == null ? null : deltaFile.toString());
                    doc.put("text", textFile.toString());
                    doc.put("backend", backend.name());
                    doc.put("perplexity", ppl.perplexity());
                    doc.put("mean_nll", ppl.meanNll());
                    doc.put("tokens_scored", ppl.tokensScored());
                    doc.put("windows", ppl.windows());
                    doc.put("window_length", windows.length());
                    doc.put("seconds", seconds);
                    out.println(JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
                } else {
                    out.printf("perplexity     %.4f%n", ppl.perplexity());
                    out.printf("mean NLL       %.6f nats/token%n", ppl.meanNll());
                    out.printf("tokens scored  %d%n", ppl.tokensScored());
                    out.printf("windows        %d of %d tokens%n", ppl.windows(), windows.length());
                    out.printf("seconds        %.2f (backend %s)%n", seconds, backend.name());
                }
                return 0;
            }
        }
    }
}
