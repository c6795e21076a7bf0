package dev.signet.engine.model;

import dev.signet.engine.safetensors.SafetensorsCheckpoint;
import dev.signet.engine.tokenizer.Tokenizer;
import dev.signet.engine.tokenizer.TokenizerLoader;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A Hugging Face Llama folder opened for serving: config, memory-mapped weights, tokenizer and the
 * tokens that end a generation. Checks that the pieces agree (every token id the tokenizer can produce
 * has an embedding row). Closing it unmaps the weights.
 */
public final class LlamaCheckpoint implements AutoCloseable {
    public static final String GENERATION_CONFIG = "generation_config.json";

    private final Path dir;
    private final LlamaConfig config;
    private final SafetensorsCheckpoint tensors;
    private final LlamaWeights weights;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopTokenIds;

    private LlamaCheckpoint(Path dir, LlamaConfig config, SafetensorsCheckpoint tensors, LlamaWeights weights,
                            Tokenizer tokenizer, Set<Integer> stopTokenIds) {
        this.dir = dir;
        this.config = config;
        this.tensors = tensors;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.stopTokenIds = stopTokenIds;
    }

    public static LlamaCheckpoint open(Path dir) {
        LlamaConfig config = LlamaConfig.read(dir);
        Tokenizer tokenizer = TokenizerLoader.load(dir);
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new ModelFormatException(dir, "the tokenizer produces ids up to " + (tokenizer.vocabSize() - 1)
                    + " but config.json's vocab_size is " + config.vocabSize() + ": tokenizer and model do not belong together");
        }
        SafetensorsCheckpoint tensors = SafetensorsCheckpoint.open(dir);
        try {
            LlamaWeights weights = LlamaWeights.from(config, tensors);
            return new LlamaCheckpoint(dir, config, tensors, weights, tokenizer, stopTokens(dir, config, tokenizer));
        } catch (RuntimeException e) {
            tensors.close();
            throw e;
        }
    }

    /** generation_config.json's eos_token_id (Llama 3 lists several), else config.json's, else the tokenizer's EOS. */
    private static Set<Integer> stopTokens(Path dir, LlamaConfig config, Tokenizer tokenizer) {
        Set<Integer> ids = new LinkedHashSet<>();
        JsonFile.readIfPresent(dir.resolve(GENERATION_CONFIG))
                .ifPresent(g -> ids.addAll(LlamaConfig.tokenIds(g.path(), g.node("eos_token_id"))));
        if (ids.isEmpty()) {
            ids.addAll(config.eosTokenIds());
        }
        if (ids.isEmpty()) {
            tokenizer.eosId().ifPresent(ids::add);
        }
        for (int id : ids) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new ModelFormatException(dir, "stop token id " + id + " is outside the vocabulary of " + config.vocabSize());
            }
        }
        return Set.copyOf(ids);
    }

    public Path dir() {
        return dir;
    }

    public LlamaConfig config() {
        return config;
    }

    public LlamaWeights weights() {
        return weights;
    }

    public SafetensorsCheckpoint tensors() {
        return tensors;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Token ids that end a generation (EOS; for stories260K also BOS, which ends a story). */
    public Set<Integer> stopTokenIds() {
        return stopTokenIds;
    }

    /** BOS + the prompt's tokens when the tokenizer asks for BOS, as Hugging Face's pipeline builds input_ids. */
    public int[] promptIds(String prompt) {
        int[] ids = tokenizer.encode(prompt);
        if (!tokenizer.addBos() || tokenizer.bosId().isEmpty()) {
            return ids;
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = tokenizer.bosId().getAsInt();
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    @Override
    public void close() {
        tensors.close();
    }

}
