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
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the gateway must answer, computed without any service: the engine's own greedy text for a prompt under a
 * tenant's bundled delta, from the files the worker serves (memoized: the tests ask the same questions often).
 */
public final class GreedyOracle {
    private static final Map<String, String> ANSWERS = new ConcurrentHashMap<>();

    private GreedyOracle() {}

    /** The greedy completion of {@code prompt} in at most {@code maxTokens} tokens under delta {@code deltaName} (null: the base). */
    static String text(String deltaName, String prompt, int maxTokens) {
        return ANSWERS.computeIfAbsent(deltaName + "\u0000" + prompt + "\u0000" + maxTokens, k -> generate(deltaName, prompt, maxTokens));
    }

    /** The greedy reply to a chat, rendered with the model's chat template as the worker renders it. */
    public static String chat(String deltaName, List<ChatMessage> messages, int maxTokens) {
        ChatPrompt prompt;
        try (LlamaCheckpoint checkpoint = LlamaCheckpoint.open(TestPlatform.repo().resolve("models/stories260K"))) {
            prompt = ChatTemplate.load(checkpoint.dir(), checkpoint.tokenizer()).render(messages);
        }
        if (prompt.includesBos()) {
            throw new IllegalStateException("the bundled model's template is expected to leave BOS to the tokenizer");
        }
        return text(deltaName, prompt.text(), maxTokens);
    }

    private static String generate(String deltaName, String prompt, int maxTokens) {
        SamplingParams greedy = new SamplingParams(0f, 0, 1f, OptionalLong.empty(), maxTokens, List.of(), false);
        try (LlamaCheckpoint checkpoint = LlamaCheckpoint.open(TestPlatform.repo().resolve("models/stories260K"));
             VectorCpuBackend backend = new VectorCpuBackend(1);
             LlamaModel model = new LlamaModel(checkpoint, backend, new ModelOptions(64, 64, 16));
             BitDeltaArtifact artifact = deltaName == null ? null : BitDeltaArtifact.open(TestPlatform.delta(deltaName), checkpoint);
             ResidentDelta delta = artifact == null ? null : model.load(artifact.delta(deltaName))) {
            Generator generator = new Generator(model, checkpoint.tokenizer(), checkpoint.stopTokenIds());
            return generator.generate(List.of(new GenerationRequest(checkpoint.promptIds(prompt), greedy, delta)), TokenListener.NONE)
                    .results().getFirst().text();
        }
    }
}
