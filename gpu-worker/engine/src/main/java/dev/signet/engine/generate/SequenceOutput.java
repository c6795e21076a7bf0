package dev.signet.engine.generate;

import dev.signet.engine.sampling.FinishReason;
import dev.signet.engine.sampling.Sampler;
import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.sampling.StopStringMatcher;
import dev.signet.engine.tokenizer.StreamingDecoder;
import dev.signet.engine.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Set;

/**
 * What one sequence has generated and when it ends: samples each token from its logits row, turns tokens into
 * text without splitting a character or showing part of a stop string, and decides the finish (a stop token
 * unless {@code ignoreEos}, a stop string, the request's token limit, or the room the model or KV pool leaves).
 * Shared by the fixed-batch {@link Generator} and the serving scheduler, so both end sequences alike.
 */
public final class SequenceOutput {
    /** One accepted token: the text it releases ("" mid-character) and the finish it caused, null to go on. */
    public record Emitted(int token, String text, FinishReason finish) {}

    private final Sampler sampler;
    private final StreamingDecoder decoder;
    private final StopStringMatcher stops;
    private final Set<Integer> stopTokens;
    private final boolean ignoreEos;
    private final int tokenLimit;
    private int[] generated = new int[16];
    private int count;
    private final StringBuilder text = new StringBuilder();
    private FinishReason finish;

    /** {@code tokenLimit}: the most tokens this sequence may generate (the request's limit, clipped to the room left). */
    public SequenceOutput(SamplingParams params, int[] promptIds, Tokenizer tokenizer, Set<Integer> stopTokens, int tokenLimit) {
        this.sampler = new Sampler(params);
        this.decoder = tokenizer.streamingDecoder(promptIds);
        this.stops = new StopStringMatcher(params.stopStrings());
        this.stopTokens = stopTokens;
        this.ignoreEos = params.ignoreEos();
        this.tokenLimit = tokenLimit;
    }

    /** Samples the next token from {@code logits[offset .. offset + vocab)} and records it. */
    public Emitted next(float[] logits, int offset, int vocab) {
        return push(sampler.sample(logits, offset, vocab));
    }

    /** Records a token chosen elsewhere (a speculative tree's verification) exactly as if it had been sampled here. */
    public Emitted push(int token) {
        if (finish != null) {
            throw new IllegalStateException("the sequence already finished (" + finish + ")");
        }
        if (count == generated.length) {
            generated = Arrays.copyOf(generated, count * 2);
        }
        generated[count++] = token;
        boolean stopToken = stopTokens.contains(token) && !ignoreEos;
        String delta = stopToken ? "" : stops.push(decoder.push(token));
        if (stopToken || stops.stopped()) {
            finish = FinishReason.STOP;
        } else if (count >= tokenLimit) {
            finish = FinishReason.LENGTH;
        }
        if (finish != null) {
            delta += stops.push(decoder.flush());
            delta += stops.flush();
        }
        text.append(delta);
        return new Emitted(token, delta, finish);
    }

    /** The sampler of this sequence: its parameters and its seeded random stream serve verification too. */
    public Sampler sampler() {
        return sampler;
    }

    public int count() {
        return count;
    }

    /** Generated token {@code i}. */
    public int token(int i) {
        return generated[i];
    }

    public FinishReason finish() {
        return finish;
    }

    public GenerationResult result() {
        return new GenerationResult(Arrays.copyOf(generated, count), text.toString(), finish);
    }
}
