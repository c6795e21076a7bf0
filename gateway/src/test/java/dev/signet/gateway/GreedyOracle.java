package dev.signet.gateway;

import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.bitdelta.BitDeltaArtifact;
import dev.signet.engine.generate.GenerationRequest;
import dev.signet.engine.generate.Generator;
import dev.signet.engine.generate.TokenListener;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.model.ResidentDelta;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.tokenizer.ChatMessage;
import dev.signet.engine.tokenizer.ChatPrompt;
import dev.signet.engine.tokenizer.ChatTemplate;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the gateway must answer, computed without any service: the engine's own greedy text for a prompt under a
 * tenant's bundled delta (or any BitDelta file), from the files the worker serves (memoized: the tests ask the same
 * questions often). Public for the all-in-one tests, which serve the same model and deltas.
 */
public final class GreedyOracle {
    private static final Map<String, String> ANSWERS = new ConcurrentHashMap<>();

    private GreedyOracle() {}

    /** The greedy completion of {@code prompt} in at most {@code maxTokens} tokens under delta {@code deltaName} (null: the base). */
    public static String text(String deltaName, String prompt, int maxTokens) {
        return text(deltaName == null ? null : TestPlatform.delta(deltaName), prompt, maxTokens);
    }

    /** The greedy completion under the BitDelta artifact at {@code deltaFile} (null: the base). */
    public static String text(Path deltaFile, String prompt, int maxTokens) {
        return ANSWERS.computeIfAbsent(deltaFile + "\u0000" + prompt + "\u0000" + maxTokens, k -> generate(deltaFile, prompt, maxTokens));
    }

    /** The greedy reply to a chat, rendered with the model's chat template as the worker renders it. */
    public static String chat(String deltaName, List<ChatMessage> messages, int maxTokens) {
        return text(deltaName, chatPrompt(messages), maxTokens);
    }

    /** The text the worker generates from for a chat: the messages under the bundled model's chat template. */
    public static String chatPrompt(List<ChatMessage> messages) {
        ChatPrompt prompt;
        try (LlamaCheckpoint checkpoint = LlamaCheckpoint.open(TestPlatform.repo().resolve("models/stories260K"))) {
            prompt = ChatTemplate.load(checkpoint.dir(), checkpoint.tokenizer()).render(messages);
        }
        if (prompt.includesBos()) {
            throw new IllegalStateException("the bundled model's template is expected to leave BOS to the tokenizer");
        }
        return prompt.text();
    }

    private static String generate(Path deltaFile, String prompt, int maxTokens) {
        SamplingParams greedy = new SamplingParams(0f, 0, 1f, OptionalLong.empty(), maxTokens, List.of(), false);
        try (LlamaCheckpoint checkpoint = LlamaCheckpoint.open(TestPlatform.repo().resolve("models/stories260K"));
             VectorCpuBackend backend = new VectorCpuBackend(1);
             LlamaModel model = new LlamaModel(checkpoint, backend, new ModelOptions(64, 64, 16));
             BitDeltaArtifact artifact = deltaFile == null ? null : BitDeltaArtifact.open(deltaFile, checkpoint);
             ResidentDelta delta = artifact == null ? null : model.load(artifact.delta(deltaFile.getFileName().toString()))) {
            Generator generator = new Generator(model, checkpoint.tokenizer(), checkpoint.stopTokenIds());
            return generator.generate(List.of(new GenerationRequest(checkpoint.promptIds(prompt), greedy, delta)), TokenListener.NONE)
                    .results().getFirst().text();
        }
    }
}
