package dev.signet.worker.generate;

import dev.signet.engine.scheduler.Completion;
import dev.signet.engine.scheduler.RequestFailure;
import dev.signet.engine.scheduler.RequestSink;
import dev.signet.worker.metrics.RequestMetrics;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The bridge from the step thread to the HTTP response: every engine callback becomes a {@link GenerationEvent}
 * pushed into a unicast Reactor sink that buffers without bound (at most max_tokens events), so the step thread
 * never waits for a slow client. After {@link #start} every event comes from the step thread, one at a time, which
 * is what a unicast sink requires. An emission that fails because the client has gone is dropped: the
 * cancellation that came with it has already reached the scheduler.
 */
final class TokenStream implements RequestSink {
    private final Sinks.Many<GenerationEvent> sink = Sinks.many().unicast().onBackpressureBuffer();
    private final RequestMetrics metrics;
    private final int promptTokens;

    TokenStream(RequestMetrics metrics, int promptTokens) {
        this.metrics = metrics;
        this.promptTokens = promptTokens;
    }

    /** The first event, pushed by the submitting thread before the request reaches the step thread. */
    void start(String requestId) {
        sink.tryEmitNext(new GenerationEvent.Start(requestId, promptTokens));
    }

    Flux<GenerationEvent> events() {
        return sink.asFlux();
    }

    @Override
    public void onToken(int token, String text) {
        metrics.token(promptTokens);
        sink.tryEmitNext(new GenerationEvent.Token(token, text));
    }

    @Override
    public void onFinish(Completion c) {
        metrics.speculated(c.speculation());
        metrics.ended(c.finishReason().openAiName());
        sink.tryEmitNext(new GenerationEvent.Finish(c.finishReason().openAiName(), c.promptTokens(), c.completionTokens(),
                GenerationEvent.Speculation.of(c.speculation())));
        sink.tryEmitComplete();
    }

    @Override
    public void onError(RequestFailure f) {
        metrics.ended(f.kind().name());
        sink.tryEmitNext(new GenerationEvent.Error(f.kind().name(), f.message()));
        sink.tryEmitComplete();
    }
}
