package dev.signet.store.api;

import java.util.concurrent.Callable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Work that touches the disk (or hashes, or checks an artifact), run on a bounded-elastic thread, never on the event loop. */
public final class Blocking {
    private Blocking() {}

    public static <T> Mono<T> call(Callable<T> work) {
        return Mono.fromCallable(work).subscribeOn(Schedulers.boundedElastic());
    }
}
