package dev.signet.gateway.openai;

import java.util.List;

/**
 * How a request samples, in the worker's terms: {@code maxTokens} (null: the worker's default), {@code temperature}
 * and {@code topP} (null: OpenAI's defaults of 1, which the worker shares), {@code seed} (null: none), {@code stop},
 * and vLLM's extensions {@code topK} and {@code ignoreEos} (null: off).
 */
public record Sampling(Integer maxTokens, Double temperature, Double topP, Long seed, List<String> stop, Integer topK,
                       Boolean ignoreEos) {

    /** The sampling of the {@code i}-th of n choices: with a seed, seed + i, so that the choices differ yet reproduce. */
    public Sampling forChoice(int i) {
        return seed == null ? this : new Sampling(maxTokens, temperature, topP, seed + i, stop, topK, ignoreEos);
    }
}
