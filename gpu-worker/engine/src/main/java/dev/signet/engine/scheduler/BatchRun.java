package dev.signet.engine.scheduler;

import dev.signet.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;

/**
 * Submits a batch of requests to a scheduler and steps it on the calling thread until every one has ended: what a
 * benchmark or a test needs to run the serving path to completion. A failed request fails the run.
 */
public final class BatchRun {
    /** One request: its delta (null: the base) and prompt. */
    public record Request(String delta, int[] promptIds) {}

    /** What a request produced: its tokens and what speculation did for it. */
    public record Output(int[] tokens, SpeculationStats speculation) {}

    private BatchRun() {}

    /** Runs {@code requests} with {@code params} to the end; outputs in request order. */
    public static List<Output> run(Scheduler scheduler, List<Request> requests, SamplingParams params) {
        List<Sink> sinks = new ArrayList<>();
        for (Request r : requests) {
            Sink sink = new Sink();
            sinks.add(sink);
            scheduler.submit(new ServeRequest("batch-" + sinks.size(), "tenant-" + r.delta(), r.delta(), r.promptIds(), params, sink));
        }
        while (sinks.stream().anyMatch(s -> s.completion == null)) {
            for (Sink s : sinks) {
                if (s.failure != null) {
                    throw new IllegalStateException("request " + (sinks.indexOf(s) + 1) + " failed: " + s.failure);
                }
            }
            scheduler.step();
        }
        return sinks.stream().map(s -> new Output(s.tokens.stream().mapToInt(Integer::intValue).toArray(), s.completion.speculation()))
                .toList();
    }

    /** Mean tokens emitted per verification (tree) step over all outputs: (accepted + tree steps) / tree steps; 1 without trees. */
    public static double tokensPerStep(List<Output> outputs) {
        long drafts = outputs.stream().mapToLong(o -> o.speculation().drafts()).sum();
        long accepted = outputs.stream().mapToLong(o -> o.speculation().acceptedTokens()).sum();
        return drafts == 0 ? 1 : 1 + (double) accepted / drafts;
    }

    private static final class Sink implements RequestSink {
        final List<Integer> tokens = new ArrayList<>();
        Completion completion;
        RequestFailure failure;

        @Override
        public void onToken(int token, String text) {
            tokens.add(token);
        }

        @Override
        public void onFinish(Completion c) {
            completion = c;
        }

        @Override
        public void onError(RequestFailure f) {
            failure = f;   // the run loop throws: a sink must not
        }
    }
}
