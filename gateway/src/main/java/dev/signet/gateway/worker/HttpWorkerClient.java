package dev.signet.gateway.worker;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Flux;

/** {@link WorkerClient} over HTTP, reading the worker's NDJSON stream. */
public final class HttpWorkerClient implements WorkerClient {
    private final WebClient web;

    public HttpWorkerClient(WebClient web) {
        this.web = web;
    }

    @Override
    public Flux<WorkerEvent> generate(String address, WorkerRequest request) {
        return web.post().uri(baseUrl(address) + "/v1/generate")
                .contentType(MediaType.APPLICATION_JSON).accept(MediaType.APPLICATION_NDJSON)
                .bodyValue(request)
                .exchangeToFlux(response -> response.statusCode().is2xxSuccessful()
                        ? response.bodyToFlux(WorkerEvent.class)
                        : response.bodyToMono(String.class).defaultIfEmpty("")
                                .flatMapMany(body -> Flux.error(WorkerFailure.status(address, response.statusCode().value(), body))))
                .onErrorMap(WebClientRequestException.class, e -> WorkerFailure.unreachable(address, e));
    }

    /** Residency addresses are URLs or {@code host:port}. */
    static String baseUrl(String address) {
        String url = address.contains("://") ? address : "http://" + address;
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
