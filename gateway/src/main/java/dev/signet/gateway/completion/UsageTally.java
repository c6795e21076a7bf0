package dev.signet.gateway.completion;

import dev.signet.gateway.openai.Usage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One request's tokens as its choices run: the prompt once (every choice has the same), and every generated token of
 * every choice, counted as the worker sends them, so a cancelled or failed request is charged what it used.
 */
final class UsageTally {
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong completionTokens = new AtomicLong();

    void prompt(long tokens) {
        promptTokens.accumulateAndGet(tokens, Math::max);
    }

    void token() {
        completionTokens.incrementAndGet();
    }

    Usage usage() {
        return Usage.of(promptTokens.get(), completionTokens.get());
    }
}
