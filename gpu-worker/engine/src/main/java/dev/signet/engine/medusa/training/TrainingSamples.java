package dev.signet.engine.medusa.training;

import dev.signet.engine.eval.EvalWindows;
import dev.signet.engine.generate.GenerationRequest;
import dev.signet.engine.generate.GenerationResult;
import dev.signet.engine.generate.Generator;
import dev.signet.engine.model.LlamaConfig;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.LittleEndian;
import dev.signet.engine.safetensors.SafetensorsException;
import dev.signet.engine.safetensors.SafetensorsFile;
import dev.signet.engine.safetensors.TensorEntry;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The token sequences heads learn from and are scored on, each run by the model from position 0: {@code train}
 * and a disjoint {@code heldout} set. Three sources: the model's own samples (self-distillation, Medusa-1's
 * recipe when the fine-tune's data is not at hand), windows of a text, or a token file such as the fixtures'
 * {@code selfgen.safetensors}.
 */
public record TrainingSamples(String source, List<int[]> train, List<int[]> heldout) {
    /** Sequences the self-distillation generator runs at once, at most. */
    static final int MAX_WAVE = 256;
    /** KV cache the generator may take, which bounds its wave for large models (stories260K: 640 KiB per sample). */
    static final long KV_BUDGET_BYTES = 1L << 30;
    /** Rows of one forward step while sampling and computing hidden states. */
    static final int STEP_ROWS = 1024;

    public TrainingSamples {
        if (train.isEmpty() || heldout.isEmpty()) {
            throw new IllegalArgumentException("need at least one training and one held-out sample, got "
                    + train.size() + " and " + heldout.size());
        }
        train = List.copyOf(train);
        heldout = List.copyOf(heldout);
    }

    /**
     * Model options that serve both self-distillation (a wave of samples of up to {@code length} tokens decoding
     * together, as many as fit {@link #KV_BUDGET_BYTES}, at most {@link #MAX_WAVE}) and the hidden-state pass.
     */
    public static ModelOptions modelOptions(LlamaConfig config, int length) {
        long bytesPerSample = (long) length * config.numLayers() * config.kvDim() * 2 * Float.BYTES;
        int wave = (int) Math.clamp(KV_BUDGET_BYTES / bytesPerSample, 1, MAX_WAVE);
        int blockSize = ModelOptions.DEFAULT_BLOCK_SIZE;
        int perSample = (length + blockSize - 1) / blockSize;
        int forStates = (STEP_ROWS + length + blockSize - 1) / blockSize + HiddenStates.MAX_CHUNKS;
        return new ModelOptions(STEP_ROWS, Math.max(wave * perSample, forStates), blockSize);
    }

    /**
     * Self-distillation: {@code train + heldout} samples drawn from the model (under {@code delta}) from BOS alone,
     * plain sampling at {@code temperature}, each ending with the stop token it produced or cut at {@code length}
     * tokens (BOS included); sample j draws with its own seed from {@code seed}, so a seed reproduces the set. Runs
     * through the batched {@link Generator} in waves as large as the model's KV cache holds.
     */
    public static TrainingSamples generate(LlamaModel model, ResidentDelta delta, Tokenizer tokenizer, Set<Integer> stopTokens,
                                           int train, int heldout, int length, float temperature, long seed,
                                           TrainingProgress progress) {
        int bos = tokenizer.bosId().orElseThrow(() -> new IllegalArgumentException(
                "the tokenizer has no BOS token to start self-generated samples from"));
        int room = Math.min(length, model.config().maxPositionEmbeddings());
        int blocksPerSample = model.kvCache().blocksFor(room);
        int wave = Math.max(1, Math.min(model.options().maxBatchRows(), model.kvCache().freeBlocks() / blocksPerSample));
        int count = train + heldout;
        SplittableRandom seeds = new SplittableRandom(seed);
        Generator generator = new Generator(model, tokenizer, stopTokens);
        List<int[]> samples = new ArrayList<>(count);
        long tokens = 0;
        for (int from = 0; from < count; from += wave) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (int j = from; j < Math.min(count, from + wave); j++) {
                var params = new SamplingParams(temperature, 0, 1f, OptionalLong.of(seeds.nextLong()),
                        room - 1, List.of(), false);
                requests.add(new GenerationRequest(new int[] {bos}, params, delta));
            }
            for (GenerationResult r : generator.generate(requests, (request, token, text) -> {}).results()) {
                int[] sample = new int[r.tokens().length + 1];
                sample[0] = bos;
                System.arraycopy(r.tokens(), 0, sample, 1, r.tokens().length);
                samples.add(sample);
                tokens += sample.length;
            }
            progress.show("sampling (" + tokens + " tokens)", samples.size(), count);
        }
        return new TrainingSamples("self-generated", samples.subList(0, train), samples.subList(train, count));
    }

    /**
     * Windows of a text, built as the perplexity protocol builds them ({@link EvalWindows}): documents split on
     * {@value EvalWindows#SEPARATOR}, each BOS + its tokens, concatenated and cut into windows of {@code length}
     * tokens, so a window may hold the end of one document and the start of the next, as in pre-training. The last
     * windows are held out (the text's end, unseen in training); a text shorter than asked for is split in the
     * same proportion.
     */
    public static TrainingSamples fromText(Path text, Tokenizer tokenizer, int train, int heldout, int length) {
        EvalWindows windows = EvalWindows.read(text, tokenizer, train + heldout, length);
        int n = windows.count();
        if (n < 2) {
            throw new IllegalArgumentException(text + " holds " + n + " window of " + length
                    + " tokens; training needs one to learn from and one to hold out");
        }
        int held = n >= train + heldout ? heldout : Math.max(1, (int) ((long) n * heldout / (train + heldout)));
        return new TrainingSamples("text " + text, windows.windows().subList(0, n - held), windows.windows().subList(n - held, n));
    }

    /**
     * Token samples stored as the fixtures' {@code selfgen.safetensors} stores them: {@code train_tokens} and
     * {@code heldout_tokens} (I16 or I32) with {@code train_offsets} / {@code heldout_offsets} (I32 or I64, N + 1
     * entries; sample j is {@code tokens[offsets[j] .. offsets[j+1])}). The first {@code train} and {@code heldout}
     * samples of each are taken; every id must be below {@code vocab}.
     */
    public static TrainingSamples read(Path file, int train, int heldout, int vocab) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            List<int[]> tr = samples(f, "train", train, vocab);
            List<int[]> ho = samples(f, "heldout", heldout, vocab);
            return new TrainingSamples("tokens " + file, tr, ho);
        }
    }

    private static List<int[]> samples(SafetensorsFile f, String set, int limit, int vocab) {
        TensorEntry tokens = f.tensor(set + "_tokens");
        TensorEntry offsets = f.tensor(set + "_offsets");
        if (tokens.rank() != 1 || offsets.rank() != 1 || offsets.dim(0) < 2) {
            throw new SafetensorsException(f.path(), offsets.name(), "expected 1-D token and offset tensors with at least 2 offsets");
        }
        int n = (int) Math.min(limit, offsets.dim(0) - 1);
        List<int[]> out = new ArrayList<>(n);
        long end = integer(offsets, 0);
        for (int j = 0; j < n; j++) {
            long start = end;
            end = integer(offsets, j + 1);
            if (start < 0 || end <= start || end > tokens.dim(0)) {
                throw new SafetensorsException(f.path(), offsets.name(), "sample " + j + " spans [" + start + ", " + end
                        + "), not a non-empty range of the " + tokens.dim(0) + " tokens");
            }
            int[] sample = new int[(int) (end - start)];
            for (int i = 0; i < sample.length; i++) {
                long id = integer(tokens, start + i);
                if (id < 0 || id >= vocab) {
                    throw new SafetensorsException(f.path(), tokens.name(), "token " + (start + i) + " is id " + id
                            + ", outside the model's vocabulary of " + vocab);
                }
                sample[i] = (int) id;
            }
            out.add(sample);
        }
        return out;
    }

    private static long integer(TensorEntry t, long index) {
        return switch (t.dtype()) {
            case I16 -> t.data().getAtIndex(LittleEndian.U16, index);
            case I32 -> t.data().getAtIndex(LittleEndian.U32, index);
            case I64 -> t.data().getAtIndex(LittleEndian.I64, index);
            default -> throw new SafetensorsException(t.file(), t.name(), "dtype " + t.dtype() + " is not one of "
                    + List.of(DType.I16, DType.I32, DType.I64));
        };
    }

    public long trainTokens() {
        return train.stream().mapToLong(s -> s.length).sum();
    }

    public long heldoutTokens() {
        return heldout.stream().mapToLong(s -> s.length).sum();
    }

    /** Samples that end with one of {@code stopTokens} (the others were cut at the length limit or are text windows). */
    public long terminated(Set<Integer> stopTokens) {
        return Stream.concat(train.stream(), heldout.stream())
                .filter(s -> stopTokens.contains(s[s.length - 1])).count();
    }
}
