package dev.signet.store.upload;

import dev.signet.store.api.ApiException;
import dev.signet.engine.deltacache.ArtifactDigest;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an upload may declare. An {@code artifact} is one {@code .safetensors} file. A {@code checkpoint} is a Hugging
 * Face fine-tune of the store's base: {@code config.json} and either {@code model.safetensors} or shards
 * ({@code model-00001-of-00002.safetensors}, ...) with {@code model.safetensors.index.json}; optionally
 * {@code eval.txt} (the text its quality is measured on), {@code generation_config.json} and the tokenizer's files
 * (without them the base's tokenizer is used: a fine-tune shares its base's vocabulary).
 */
public final class UploadRules {
    public static final String CONFIG = "config.json";
    public static final String SINGLE_WEIGHTS = "model.safetensors";
    public static final String SHARD_INDEX = "model.safetensors.index.json";
    public static final String EVAL_TEXT = "eval.txt";
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer.model", "tokenizer_config.json");
    private static final Set<String> OPTIONAL = Set.of(EVAL_TEXT, "generation_config.json", "tokenizer.json", "tokenizer.model",
            "tokenizer_config.json");
    private static final Pattern SHARD = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");
    private static final Pattern ARTIFACT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\.safetensors");

    private UploadRules() {}

    /** The request's kind, files and chunk size, checked; a fault names its parameter. */
    static void check(UploadKind kind, List<DeclaredFile> files, long chunkSize, long maxChunkSize, long maxFileSize) {
        if (chunkSize < 1 || chunkSize > maxChunkSize) {
            throw ApiException.invalid("chunk_size", "chunk_size must be between 1 and " + maxChunkSize + " bytes, got " + chunkSize);
        }
        if (files == null || files.isEmpty()) {
            throw ApiException.invalid("files", "an upload needs at least one file");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < files.size(); i++) {
            DeclaredFile f = files.get(i);
            String at = "files[" + i + "]";
            if (f == null || f.name() == null) {
                throw ApiException.invalid(at + ".name", "every file needs a name");
            }
            if (f.size() < 1 || f.size() > maxFileSize) {
                throw ApiException.invalid(at + ".size", "'" + f.name() + "': size must be between 1 and " + maxFileSize
                        + " bytes, got " + f.size());
            }
            if (!ArtifactDigest.isValid(f.sha256())) {
                throw ApiException.invalid(at + ".sha256", "'" + f.name() + "': sha256 must be 64 lower-case hex digits, got "
                        + (f.sha256() == null ? "none" : "\"" + f.sha256() + "\""));
            }
            if (!names.add(f.name())) {
                throw ApiException.invalid(at + ".name", "'" + f.name() + "' is declared twice");
            }
            if (kind == UploadKind.ARTIFACT ? !ARTIFACT_NAME.matcher(f.name()).matches() : !checkpointName(f.name())) {
                throw ApiException.invalid(at + ".name", kind == UploadKind.ARTIFACT
                        ? "'" + f.name() + "' is not an artifact file name (letters, digits, '.', '_', '-', ending in .safetensors)"
                        : "'" + f.name() + "' does not belong in a checkpoint upload; allowed: " + CONFIG + ", " + SINGLE_WEIGHTS
                        + " or model-NNNNN-of-NNNNN.safetensors with " + SHARD_INDEX + ", and optionally " + OPTIONAL.stream().sorted().toList());
            }
        }
        if (kind == UploadKind.ARTIFACT && files.size() != 1) {
            throw ApiException.invalid("files", "an artifact upload is exactly one .safetensors file, got " + files.size() + " files");
        }
        if (kind == UploadKind.CHECKPOINT) {
            checkCheckpoint(names);
        }
    }

    private static boolean checkpointName(String name) {
        return CONFIG.equals(name) || SINGLE_WEIGHTS.equals(name) || SHARD_INDEX.equals(name) || OPTIONAL.contains(name)
                || SHARD.matcher(name).matches();
    }

    private static void checkCheckpoint(Set<String> names) {
        if (!names.contains(CONFIG)) {
            throw ApiException.invalid("files", "a checkpoint upload needs " + CONFIG);
        }
        boolean shards = names.stream().anyMatch(n -> SHARD.matcher(n).matches());
        boolean single = names.contains(SINGLE_WEIGHTS);
        if (single == shards) {
            throw ApiException.invalid("files", single
                    ? "a checkpoint has either " + SINGLE_WEIGHTS + " or shards, not both"
                    : "a checkpoint upload needs its weights: " + SINGLE_WEIGHTS + ", or shards with " + SHARD_INDEX);
        }
        if (shards != names.contains(SHARD_INDEX)) {
            throw ApiException.invalid("files", shards ? "sharded weights need " + SHARD_INDEX
                    : SHARD_INDEX + " is declared without any model-NNNNN-of-NNNNN.safetensors shard");
        }
    }
}
