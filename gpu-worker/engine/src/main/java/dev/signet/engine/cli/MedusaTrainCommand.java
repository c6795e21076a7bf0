package dev.signet.engine.cli;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.bitdelta.BitDeltaArtifact;
import dev.signet.engine.medusa.training.HeadAccuracy;
import dev.signet.engine.medusa.training.HeadParameters;
import dev.signet.engine.medusa.training.HiddenStates;
import dev.signet.engine.medusa.training.MedusaTrainer;
import dev.signet.engine.medusa.training.SharedLmHead;
import dev.signet.engine.medusa.training.TrainingOptions;
import dev.signet.engine.medusa.training.TrainingSamples;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelDelta;
import dev.signet.engine.model.ResidentDelta;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code signet medusa-train}: Medusa heads for a model (or a tenant's delta of it), trained on the CPU by
 * Medusa-1's recipe on the model's own samples, a text, or a token file, and scored on held-out samples.
 */
final class MedusaTrainCommand {
    static final String USAGE = """
            usage: signet medusa-train --model DIR --out DIR [options]
              --model DIR          Hugging Face Llama folder (config.json, safetensors, tokenizer); stays frozen
              --delta FILE         train heads for this tenant's BitDelta of that model (its hidden states, its lm_head)
              --out DIR            where medusa_heads.safetensors, config.json and training.json go (created if missing)
              data (default: self-distillation, the model's own samples from BOS):
              --text FILE          train on this text instead: documents separated by "\\n<|endoftext|>\\n", each BOS +
                                   its tokens, concatenated and cut into windows of --sample-length tokens (as eval does)
              --tokens FILE        train on stored token samples (train_tokens/train_offsets, heldout_tokens/
                                   heldout_offsets, as the fixtures' selfgen.safetensors), e.g. to repeat a run
              --samples N          training samples (default 4000)
              --heldout N          held-out samples to score on (default a tenth of --samples; --tokens: the file's set)
              --sample-length N    tokens per sample at most, BOS included (default 512, or the model's context);
                                   with --text, the window length
              --temperature T      sampling temperature of self-distillation (default 0.7)
              training (Medusa-1: model frozen, heads share its lm_head):
              --heads N            heads; head i predicts token t+2+i (default 3)
              --layers N           ResBlocks per head (default 1)
              --steps N            AdamW steps (default 2000)
              --batch N            samples per step, every position of each (default 64)
              --lr X               peak learning rate (default 1e-3), cosine to 0 after the warm-up
              --warmup N           linear warm-up steps (default a tenth of --steps)
              --seed S             seeds sampling, bias initialisation and batch order (default 2345)
              --json               print the training report (training.json) instead of a table
            Hidden states are computed once and held in memory: dim × tokens × 4 bytes (stories260K: 88 MB per
            345k tokens); runs that would need more than half the JVM heap are refused (raise -Xmx through
            JAVA_TOOL_OPTIONS, or lower --samples / --sample-length).
            """ + BackendChoice.OPTIONS;

    static final int DEFAULT_SAMPLES = 4000;
    static final int DEFAULT_SAMPLE_LENGTH = 512;
    static final float DEFAULT_TEMPERATURE = 0.7f;
    static final long DEFAULT_SEED = 2345;

    private MedusaTrainCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        CliArgs args = new CliArgs(argv, 1, Set.of("model", "delta", "out", "text", "tokens", "samples", "heldout",
                "sample-length", "temperature", "heads", "layers", "steps", "batch", "lr", "warmup", "seed", "backend", "threads"),
                Set.of("json"));
        Path modelDir = args.existingDir("model");
        Path deltaFile = args.optionalFile("delta");
        Path outDir = outputDir(args);
        Path textFile = args.optionalFile("text");
        Path tokensFile = args.optionalFile("tokens");
        if (textFile != null && tokensFile != null) {
            throw new UsageException("give --text or --tokens, not both");
        }
        boolean selfGenerated = textFile == null && tokensFile == null;
        if (!selfGenerated && args.value("temperature").isPresent()) {
            throw new UsageException("--temperature applies to self-generated samples only (no --text or --tokens)");
        }
        if (tokensFile != null && args.value("sample-length").isPresent()) {
            throw new UsageException("--sample-length does not apply to --tokens: the stored samples are taken as they are");
        }
        int samples = positive(args, "samples", DEFAULT_SAMPLES);
        int heldout = positive(args, "heldout", tokensFile != null ? Integer.MAX_VALUE : Math.max(1, samples / 10));
        int sampleLength = args.intValue("sample-length", DEFAULT_SAMPLE_LENGTH);
        if (sampleLength < 3) {
            throw new UsageException("--sample-length must be at least 3 (a head predicts 2 tokens ahead), got " + sampleLength);
        }
        float temperature = args.floatValue("temperature", DEFAULT_TEMPERATURE);
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new UsageException("--temperature must be a finite number >= 0, got " + temperature);
        }
        int steps = args.intValue("steps", TrainingOptions.DEFAULT_STEPS);
        TrainingOptions options;
        try {
            options = new TrainingOptions(args.intValue("heads", TrainingOptions.DEFAULT_HEADS),
                    args.intValue("layers", TrainingOptions.DEFAULT_LAYERS), steps,
                    args.intValue("batch", TrainingOptions.DEFAULT_BATCH),
                    args.doubleValue("lr", TrainingOptions.DEFAULT_LEARNING_RATE),
                    args.intValue("warmup", TrainingOptions.defaultWarmup(Math.max(1, steps))), 0.0,
                    args.longValue("seed", DEFAULT_SEED));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        boolean json = args.flag("json");
        BackendChoice choice = BackendChoice.from(args);
        long budget = Runtime.getRuntime().maxMemory() / 2;

        ProgressBar bar = ProgressBar.onTerminal(err);
        Map<String, Double> seconds = new LinkedHashMap<>();
        long start = System.nanoTime();
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(modelDir); Backend backend = choice.open();
             BitDeltaArtifact artifact = deltaFile == null ? null : BitDeltaArtifact.open(deltaFile, ckpt)) {
            int dim = ckpt.config().hiddenSize();
            int context = ckpt.config().maxPositionEmbeddings();
            int length = tokensFile != null ? context : Math.min(sampleLength, context);
            if (selfGenerated) {
                checkMemory((long) (samples + (long) heldout) * length, dim, budget, "up to " + (samples + heldout)
                        + " samples of up to " + length + " tokens");
            }
            ModelDelta modelDelta = artifact == null ? null : artifact.delta(artifact.fileId());
            try (LlamaModel model = new LlamaModel(ckpt, backend, TrainingSamples.modelOptions(ckpt.config(), length));
                 ResidentDelta delta = modelDelta == null ? null : model.load(modelDelta)) {
                long t = System.nanoTime();
                TrainingSamples data;
                try {
                    data = selfGenerated
                            ? TrainingSamples.generate(model, delta, ckpt.tokenizer(), ckpt.stopTokenIds(), samples, heldout, length,
                                    temperature, options.seed(), bar::show)
                            : textFile != null
                            ? TrainingSamples.fromText(textFile, ckpt.tokenizer(), samples, heldout, length)
                            : TrainingSamples.read(tokensFile, samples, heldout, ckpt.config().vocabSize());
                } finally {
                    bar.finish();
                }
                seconds.put(selfGenerated ? "sampling" : "reading", elapsed(t));
                long tokens = data.trainTokens() + data.heldoutTokens();
                checkMemory(tokens, dim, budget, data.train().size() + data.heldout().size() + " samples of " + tokens + " tokens");

                t = System.nanoTime();
                HiddenStates train;
                HiddenStates held;
                try {
                    long total = tokens;
                    train = HiddenStates.compute(model, delta, data.train(), (what, done, all) -> bar.show(what, done, total));
                    long trained = data.trainTokens();
                    held = HiddenStates.compute(model, delta, data.heldout(), (what, done, all) -> bar.show(what, trained + done, total));
                } finally {
                    bar.finish();
                }
                seconds.put("hidden_states", elapsed(t));

                try (MedusaTrainer trainer = new MedusaTrainer(SharedLmHead.of(ckpt.weights(), modelDelta), choice.threads())) {
                    List<HeadAccuracy> before = trainer.accuracy(HeadParameters.initial(options.heads(), options.layers(), dim,
                            options.seed()), held);
                    MedusaTrainer.TrainingRun run;
                    try {
                        run = trainer.train(train, options, bar::show);
                    } finally {
                        bar.finish();
                    }
                    seconds.put("training", run.seconds());
                    t = System.nanoTime();
                    List<HeadAccuracy> after = trainer.accuracy(run.heads(), held);
                    seconds.put("scoring", elapsed(t));

                    String baseModel = deltaFile != null ? stem(deltaFile) : modelDir.toAbsolutePath().normalize().getFileName().toString();
                    Files.createDirectories(outDir);
                    run.heads().write(outDir, baseModel, ckpt.config().vocabSize());
                    seconds.put("total", elapsed(start));
                    Map<String, Object> report = report(modelDir, deltaFile, baseModel, data, ckpt.stopTokenIds(), selfGenerated,
                            temperature, tokensFile != null ? null : length, options, backend.name(), choice.threads(), train, held, run, before, after, seconds);
                    String reportJson = JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(report);
                    Files.writeString(outDir.resolve("training.json"), reportJson + "\n");
                    if (json) {
                        out.println(reportJson);
                    } else {
                        printTable(out, outDir, data, run, after, seconds);
                    }
                    return 0;
                }
            }
        }
    }

    private static Path outputDir(CliArgs args) {
        Path dir = Path.of(args.required("out"));
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UsageException("--out " + dir + " is a file; give a folder for the heads");
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir) && (parent == null || !Files.isDirectory(parent))) {
            throw new UsageException("--out " + dir + ": its parent folder does not exist");
        }
        return dir;
    }

    private static int positive(CliArgs args, String name, int fallback) {
        int v = args.intValue(name, fallback);
        if (v < 1) {
            throw new UsageException("--" + name + " must be at least 1, got " + v);
        }
        return v;
    }

    private static void checkMemory(long tokens, int dim, long budget, String what) {
        long bytes = HiddenStates.bytes(tokens, dim);
        if (bytes > budget) {
            throw new UsageException(String.format("the hidden states of %s take %.2f GB (dim %d × tokens × 4 bytes), more than "
                    + "half the JVM heap (%.2f GB); lower --samples or --sample-length, or raise -Xmx (JAVA_TOOL_OPTIONS)",
                    what, bytes / 1e9, dim, budget / 1e9));
        }
    }

    private static double elapsed(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
    }

    private static Map<String, Object> report(Path modelDir, Path deltaFile, String baseModel, TrainingSamples data,
                                              Set<Integer> stopTokens, boolean selfGenerated, float temperature, Integer length,
                                              TrainingOptions o, String backend, int threads, HiddenStates train, HiddenStates held,
                                              MedusaTrainer.TrainingRun run, List<HeadAccuracy> before, List<HeadAccuracy> after,
                                              Map<String, Double> seconds) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", modelDir.toString());
        doc.put("delta", deltaFile == null ? null : deltaFile.toString());
        doc.put("base_model", baseModel);
        doc.put("source", data.source());
        doc.put("samples_train", data.train().size());
        doc.put("samples_heldout", data.heldout().size());
        doc.put("train_tokens", data.trainTokens());
        doc.put("heldout_tokens", data.heldoutTokens());
        doc.put("terminated", data.terminated(stopTokens));
        doc.put("sample_length", length);
        doc.put("temperature", selfGenerated ? temperature : null);
        doc.put("hidden_state_bytes", HiddenStates.bytes(train.totalTokens() + held.totalTokens(), train.dim()));
        doc.put("heads", o.heads());
        doc.put("layers", o.layers());
        doc.put("steps", o.steps());
        doc.put("batch", o.batch());
        doc.put("lr", o.learningRate());
        doc.put("warmup", o.warmup());
        doc.put("weight_decay", o.weightDecay());
        doc.put("seed", o.seed());
        doc.put("backend", backend);
        doc.put("threads", threads);
        List<Object> history = new ArrayList<>();
        for (MedusaTrainer.LossPoint p : run.history()) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("step", p.step());
            point.put("loss", p.loss());
            history.add(point);
        }
        doc.put("history", history);
        doc.put("heldout_acc_before", accuracies(before, false));
        doc.put("heldout_acc", accuracies(after, true));
        HeadAccuracy own = after.getFirst();
        Map<String, Object> next = new LinkedHashMap<>();
        next.put("predicts", own.predicts());
        next.put("top1", own.top1());
        next.put("top5", own.top5());
        next.put("positions", own.positions());
        doc.put("base_lm_head_next_token_acc", next);
        doc.put("seconds", seconds);
        doc.put("files", List.of(HeadParameters.WEIGHTS_FILE, HeadParameters.CONFIG_FILE, "training.json"));
        return doc;
    }

    /** The heads' rows (the lm_head's, first in the list, is reported on its own). */
    private static List<Object> accuracies(List<HeadAccuracy> all, boolean detail) {
        List<Object> rows = new ArrayList<>();
        for (HeadAccuracy a : all.subList(1, all.size())) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("head", a.head());
            if (detail) {
                row.put("predicts", a.predicts());
            }
            row.put("top1", a.top1());
            row.put("top5", a.top5());
            if (detail) {
                row.put("positions", a.positions());
            }
            rows.add(row);
        }
        return rows;
    }

    private static void printTable(PrintStream out, Path outDir, TrainingSamples data, MedusaTrainer.TrainingRun run,
                                   List<HeadAccuracy> after, Map<String, Double> seconds) {
        out.printf("wrote %s (%s, %s, training.json)%n", outDir, HeadParameters.WEIGHTS_FILE, HeadParameters.CONFIG_FILE);
        out.printf("samples: %,d for training (%,d tokens), %,d held out (%,d tokens); %s%n", data.train().size(), data.trainTokens(),
                data.heldout().size(), data.heldoutTokens(), data.source());
        double[] last = run.history().getLast().loss();
        StringBuilder losses = new StringBuilder();
        for (double l : last) {
            losses.append(losses.isEmpty() ? "" : " / ").append(String.format("%.3f", l));
        }
        out.printf("training: %.1f s; last batch loss per head %s nats%n", run.seconds(), losses);
        out.println();
        out.println("held-out accuracy   top-1    top-5   positions");
        for (HeadAccuracy a : after) {
            String name = a.head() == HeadAccuracy.LM_HEAD ? "lm_head" : "head " + a.head();
            out.printf("%-8s (%s)     %5.1f%%   %5.1f%%   %,9d%n", name, a.predicts(), 100 * a.top1(), 100 * a.top5(), a.positions());
        }
        out.println();
        StringBuilder times = new StringBuilder();
        seconds.forEach((k, v) -> times.append(times.isEmpty() ? "" : ", ").append(k.replace('_', ' ')).append(String.format(" %.1f", v)));
        out.println("seconds: " + times);
    }
}
