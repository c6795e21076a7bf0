package dev.signet.engine.scheduler;

import java.util.ArrayList;
import java.util.List;

/** Records what a request received, for assertions; the step thread is the test's own thread. */
final class CollectingSink implements RequestSink {
    final List<Integer> tokens = new ArrayList<>();
    final StringBuilder text = new StringBuilder();
    Completion completion;
    RequestFailure failure;

    @Override
    public void onToken(int token, String piece) {
        if (ended()) {
            throw new AssertionError("a token after the request ended");
        }
        tokens.add(token);
        text.append(piece);
    }

    @Override
    public void onFinish(Completion c) {
        if (ended()) {
            throw new AssertionError("a second end: " + c);
        }
        completion = c;
    }

    @Override
    public void onError(RequestFailure f) {
        if (ended()) {
            throw new AssertionError("a second end: " + f);
        }
        failure = f;
    }

    boolean ended() {
        return completion != null || failure != null;
    }

    int[] tokenArray() {
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }
}
