package dev.signet.engine.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads the tokenizer of a model folder the way Hugging Face does: {@code tokenizer.json} (fast tokenizer)
 * when present, else sentencepiece's {@code tokenizer.model}; {@code tokenizer_config.json}, when present,
 * decides add_bos_token and the BOS/EOS tokens.
 */
public final class TokenizerLoader {
    private TokenizerLoader() {}

    public static Tokenizer load(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            throw new TokenizerException(modelDir, "not a directory (expected a model folder with tokenizer.json "
                    + "or tokenizer.model)");
        }
        Path configFile = modelDir.resolve("tokenizer_config.json");
        TokenizerConfig config = Files.isRegularFile(configFile) ? TokenizerConfig.read(configFile) : TokenizerConfig.NONE;
        Path json = modelDir.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) {
            return HfTokenizer.load(json, config);
        }
        Path model = modelDir.resolve("tokenizer.model");
        if (Files.isRegularFile(model)) {
            return SentencePieceTokenizer.load(model, config);
        }
        throw new TokenizerException(modelDir, "has neither tokenizer.json nor tokenizer.model");
    }
}
