package dev.signet.gateway.routing;

import java.util.List;
import reactor.core.publisher.Mono;

/** Which workers to try for a request, best first: their addresses (URLs or {@code host:port}). */
public interface WorkerRouter {
    /** Candidates for a request on {@code delta} (a sha256 digest; null: the base); empty when no worker is live. */
    Mono<List<String>> candidates(String delta);
}
