package dev.signet.engine.testing;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.generate.GenerationRequest;
import dev.signet.engine.generate.GenerationResult;
import dev.signet.engine.generate.Generator;
import dev.signet.engine.generate.TokenListener;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.sampling.SamplingParams;
import java.util.List;
import java.util.OptionalLong;

/**
 * stories260K generating a batch of seeded requests (greedy, temperature, top-p, top-k, prompts of several lengths),
 * its decode rows sampled by the backend or on the host from logits read back: both must give the same tokens.
 */
public final class SampledGeneration {
    private SampledGeneration() {}

    public static List<GenerationRequest> requests(LlamaCheckpoint ckpt) {
        int bos = ckpt.tokenizer().bosId().orElseThrow();
        int[] story = ckpt.tokenizer().encode("Once upon a time, a little fox");
        int[] prompt = new int[story.length + 1];
        prompt[0] = bos;
        System.arraycopy(story, 0, prompt, 1, story.length);
        return List.of(
                new GenerationRequest(new int[] {bos}, SamplingParams.greedy(60).withIgnoreEos(true)),
                new GenerationRequest(prompt, seeded(1.0f, 0, 1f, 1)),
                new GenerationRequest(prompt, seeded(0.8f, 0, 0.9f, 2)),
                new GenerationRequest(new int[] {bos}, seeded(1.2f, 40, 0.95f, 3)),
                new GenerationRequest(prompt, seeded(0.5f, 5, 1f, 4)),
                new GenerationRequest(new int[] {bos}, seeded(1.5f, 0, 0.3f, 5)));
    }

    /** Every request's result, decode rows sampled on the backend when {@code onBackend}. */
    public static List<GenerationResult> generate(Backend backend, boolean onBackend) {
        try (LlamaCheckpoint ckpt = LlamaCheckpoint.open(Fixtures.repoRoot().resolve("models/stories260K"));
             LlamaModel model = new LlamaModel(ckpt, backend, ModelOptions.forSequences(6, 256, 64))) {
            model.samplesOnBackend(onBackend);
            return new Generator(model, ckpt.tokenizer(), ckpt.stopTokenIds()).generate(requests(ckpt), TokenListener.NONE).results();
        }
    }

    private static SamplingParams seeded(float temperature, int topK, float topP, long seed) {
        return new SamplingParams(temperature, topK, topP, OptionalLong.of(seed), 60, List.of(), true);
    }
}
