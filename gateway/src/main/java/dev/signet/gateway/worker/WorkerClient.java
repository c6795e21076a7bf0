package dev.signet.gateway.worker;

import reactor.core.publisher.Flux;

/**
 * Calls one worker's {@code POST /v1/generate}. The events arrive as the worker produces them; cancelling the
 * subscription closes the connection, which cancels the request on the worker. Failures are {@link WorkerFailure}s.
 */
public interface WorkerClient {
    Flux<WorkerEvent> generate(String address, WorkerRequest request);
}
