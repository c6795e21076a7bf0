package dev.signet.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The step loop as the worker runs it: requests and cancellations arrive from other threads; closing ends the rest. */
class StepLoopTest {

    /** A sink whose end other threads can wait for. */
    static final class LatchedSink implements RequestSink {
        final List<Integer> tokens = new ArrayList<>();
        final CountDownLatch ended = new CountDownLatch(1);
        final CountDownLatch started = new CountDownLatch(1);
        volatile Completion completion;
        volatile RequestFailure failure;

        @Override
        public void onToken(int token, String text) {
            tokens.add(token);
            started.countDown();
        }

        @Override
        public void onFinish(Completion c) {
            completion = c;
            ended.countDown();
        }

        @Override
        public void onError(RequestFailure f) {
            failure = f;
            ended.countDown();
        }

        void await() throws InterruptedException {
            assertThat(ended.await(30, TimeUnit.SECONDS)).as("request ended").isTrue();
        }
    }

    @Test
    void servesRequestsSubmittedFromManyThreadsAndShutsDownCleanly() throws Exception {
        try (ServingRig rig = new ServingRig(new ModelOptions(32, 64, 16))) {
            Scheduler scheduler = rig.scheduler(8);
            SamplingParams params = SamplingParams.greedy(12).withIgnoreEos(true);
            List<LatchedSink> sinks = new ArrayList<>();
            LatchedSink endless = new LatchedSink();
            try (StepLoop loop = new StepLoop(scheduler, "test-step").start();
                 ExecutorService clients = Executors.newFixedThreadPool(4)) {
                for (int i = 0; i < 12; i++) {
                    LatchedSink sink = new LatchedSink();
                    sinks.add(sink);
                    String delta = ServingRig.DELTAS.get(i % 3);
                    int n = i;
                    clients.submit(() -> scheduler.submit(new ServeRequest("r" + n, "t" + n % 4, delta, rig.prompt("Once upon a time"), params, sink)));
                }
                for (LatchedSink sink : sinks) {
                    sink.await();
                }
                LatchedSink cancelledSink = new LatchedSink();
                scheduler.submit(new ServeRequest("c", "t", "caps", rig.prompt("Lily"), params, cancelledSink)).cancel();
                cancelledSink.await();
                assertThat(cancelledSink.failure.kind()).isEqualTo(RequestFailure.Kind.CANCELLED);
                scheduler.submit(new ServeRequest("e", "t", null, rig.prompt("Lily"), SamplingParams.greedy(100_000).withIgnoreEos(true), endless));
                assertThat(endless.started.await(30, TimeUnit.SECONDS)).isTrue();
            }
            endless.await();
            assertThat(endless.failure.kind()).isEqualTo(RequestFailure.Kind.SHUTDOWN);
            for (int i = 0; i < sinks.size(); i++) {
                assertThat(sinks.get(i).tokens).as("request %d", i)
                        .containsExactlyElementsOf(toList(rig.alone(ServingRig.DELTAS.get(i % 3), "Once upon a time", params)));
            }
            assertThat(rig.model.kvCache().usage()).isZero();
            assertThat(rig.deltas.pinned()).isZero();
        }
    }

    private static List<Integer> toList(int[] tokens) {
        return java.util.Arrays.stream(tokens).boxed().toList();
    }
}
