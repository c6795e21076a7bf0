package dev.signet.engine.sampling;

import java.util.List;
import java.util.OptionalLong;

/**
 * How one request picks its tokens and when it stops. {@code temperature} 0 (below {@link #GREEDY_BELOW}) means greedy (argmax);
 * {@code topK} 0 and {@code topP} 1 disable those filters. The same {@code seed} gives the same tokens.
 * Generation ends at {@code maxTokens}, at a stop token unless {@code ignoreEos}, or when the text
 * contains one of {@code stopStrings} (which is not returned, as in OpenAI's API).
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        OptionalLong seed,
        int maxTokens,
        List<String> stopStrings,
        boolean ignoreEos) {

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be >= 1, got " + maxTokens);
        }
        stopStrings = List.copyOf(stopStrings);
        if (stopStrings.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stop strings must not be empty");
        }
    }

    /** Temperatures this small are treated as greedy: dividing logits by them would overflow (vLLM's epsilon). */
    public static final float GREEDY_BELOW = 1e-5f;

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0f, 0, 1f, OptionalLong.empty(), maxTokens, List.of(), false);
    }

    public boolean isGreedy() {
        return temperature < GREEDY_BELOW;
    }

    public SamplingParams withIgnoreEos(boolean ignore) {
        return new SamplingParams(temperature, topK, topP, seed, maxTokens, stopStrings, ignore);
    }

    public SamplingParams withStopStrings(List<String> stops) {
        return new SamplingParams(temperature, topK, topP, seed, maxTokens, stops, ignoreEos);
    }
}
