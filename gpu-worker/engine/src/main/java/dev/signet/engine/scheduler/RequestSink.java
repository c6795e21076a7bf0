package dev.signet.engine.scheduler;

/**
 * Where a request's results go. Every call comes from the step thread, so an implementation must return at
 * once (hand the event to a queue or a reactive sink) and must not throw. Exactly one of {@link #onFinish}
 * and {@link #onError} ends every request.
 */
public interface RequestSink {
    /** A generated token and the text it completes ("" while a character or a possible stop string is incomplete). */
    void onToken(int token, String text);

    void onFinish(Completion completion);

    void onError(RequestFailure failure);
}
