package dev.signet.engine.cli;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.bitdelta.BitDeltaArtifact;
import dev.signet.engine.generate.GenerationRequest;
import dev.signet.engine.generate.GenerationResult;
import dev.signet.engine.generate.Generator;
import dev.signet.engine.generate.TokenListener;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.scheduler.SpeculationStats;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;

/** {@code signet generate}: continues one prompt with a model folder, streaming the text or printing JSON. */
final class GenerateCommand {
    static final String USAGE = """
            usage: signet generate --model DIR --prompt TEXT [options]
              --model DIR        Hugging Face Llama folder (config.json, safetensors, tokenizer)
              --delta FILE       a tenant's BitDelta artifact made against that model (signet compress)
              --prompt TEXT      the text to continue (BOS is added when the tokenizer asks for it)
              --max-tokens N     tokens to generate at most (default 256)
              --temperature T    0 = greedy, the default (as the bundled model's generation_config)
              --top-k K          keep the K most likely tokens (default 0 = off)
              --top-p P          nucleus sampling mass (default 1 = off)
              --seed S           random seed: the same seed gives the same tokens
              --stop TEXT        stop before this text (repeatable)
              --ignore-eos       keep going past stop tokens
              --medusa DIR       speculate with these Medusa heads (made for this model, or for the delta's fine-tune)
              --draft-rows N     with --medusa: the most tree rows a step may add (default 16); fewer are used
                                 when measurement shows bigger trees do not pay on this machine
              --json             print token ids, text and prefill/decode tokens per second as JSON (with --medusa,
                                 also the tokens each verification step accepted)
            """ + BackendChoice.OPTIONS;

    private GenerateCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        CliArgs args = new CliArgs(argv, 1,
                Set.of("model", "delta", "prompt", "max-tokens", "temperature", "top-k", "top-p", "seed", "stop", "backend", "threads", "medusa",
                        "draft-rows"),
                Set.of("json", "ignore-eos"));
        Path modelDir = args.existingDir("model");
        Path deltaFile = args.optionalFile("delta");
        Path medusaDir = args.value("medusa").map(d -> args.existingDir("medusa")).orElse(null);
        int draftRows = args.intValue("draft-rows", 16);
        String prompt = args.required("prompt");
        SamplingParams params;
        try {
            params = new SamplingParams(
                    args.floatValue("temperature", 0f),
                    args.intValue("top-k", 0),
                    args.floatValue("top-p", 1f),
                    args.value("seed").map(s -> OptionalLong.of(args.longValue("seed", 0))).orElse(OptionalLong.empty()),
                    args.intValue("max-tokens", 256),
                    args.values("stop"),
                    args.flag("ignore-eos"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        boolean json = args.flag("json");
        BackendChoice choice = BackendChoice.from(args);
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(modelDir); Backend backend = choice.open();
             BitDeltaArtifact artifact = deltaFile == null ? null : BitDeltaArtifact.open(deltaFile, ckpt)) {
            int[] promptIds = ckpt.promptIds(prompt);
            int context = ckpt.config().maxPositionEmbeddings();
            if (promptIds.length >= context) {
                throw new UsageException("the prompt is " + promptIds.length + " tokens; the model's context holds " + context);
            }
            int positions = (int) Math.min(context, (long) promptIds.length + params.maxTokens());
            try (LlamaModel model = new LlamaModel(ckpt, backend, ModelOptions.forSequences(1, positions, 256));
                 ResidentDelta delta = artifact == null ? null : model.load(artifact.delta(artifact.fileId()))) {
                TokenListener stream = json ? TokenListener.NONE : (request, token, text) -> {
                    out.print(text);
                    out.flush();
                };
                if (!json) {
                    out.print(prompt);
                }
                GenerationRequest request = new GenerationRequest(promptIds, params, delta);
                SpeculativeGeneration speculative = null;
                Generator.Run run;
                if (medusaDir == null) {
                    run = new Generator(model, ckpt.tokenizer(), ckpt.stopTokenIds()).generate(List.of(request), stream);
                } else {
                    speculative = SpeculativeGeneration.run(model, ckpt, backend, medusaDir, draftRows, request, stream);
                    run = speculative.run();
                }
                GenerationResult result = run.results().getFirst();
                if (json) {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("model", modelDir.toString());
                    doc.put("delta", deltaFile == null ? null : deltaFile.toString());
                    doc.put("backend", backend.name());
                    doc.put("prompt", prompt);
                    doc.put("prompt_ids", promptIds);
                    doc.put("token_ids", result.tokens());
                    doc.put("text", result.text());
                    doc.put("finish_reason", result.finishReason().openAiName());
                    doc.put("prefill_tokens", run.stats().prefillTokens());
                    doc.put("prefill_tokens_per_second", run.stats().prefillTokensPerSecond());
                    doc.put("decode_tokens", run.stats().decodeTokens());
                    doc.put("decode_tokens_per_second", run.stats().decodeTokensPerSecond());
                    if (speculative != null) {
                        SpeculationStats spec = speculative.speculation();
                        doc.put("medusa", medusaDir.toString());
                        doc.put("verification_steps", spec.drafts());
                        doc.put("accepted_tokens", spec.acceptedTokens());
                        doc.put("mean_tokens_per_step", spec.meanTokensPerStep());
                        doc.put("tokens_per_step", spec.tokensPerStep());
                    }
                    out.println(JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
                } else {
                    out.println();
                    err.printf("[%d prompt tokens, %.1f tok/s prefill; %d generated, %.1f tok/s decode; %s; backend %s%s]%n",
                            run.stats().prefillTokens(), run.stats().prefillTokensPerSecond(), run.stats().decodeTokens(),
                            run.stats().decodeTokensPerSecond(), result.finishReason().openAiName(), backend.name(),
                            speculative == null ? "" : String.format("; Medusa %.2f tokens per verification step",
                                    speculative.speculation().meanTokensPerStep()));
                }
                return 0;
            }
        }
    }
}
