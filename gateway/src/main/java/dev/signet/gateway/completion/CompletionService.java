package dev.signet.gateway.completion;

import dev.signet.gateway.admission.Admission;
import dev.signet.gateway.admission.Permit;
import dev.signet.gateway.auth.ApiKeys;
import dev.signet.gateway.auth.Tenant;
import dev.signet.gateway.auth.TenantAuthenticator;
import dev.signet.gateway.auth.TenantModel;
import dev.signet.gateway.openai.CompletionRequest;
import dev.signet.gateway.openai.JsonBodies;
import dev.signet.gateway.openai.OpenAiErrorHandler;
import dev.signet.gateway.openai.OpenAiException;
import dev.signet.gateway.openai.Sampling;
import dev.signet.gateway.openai.Usage;
import dev.signet.gateway.routing.WorkerRouter;
import dev.signet.gateway.usage.GatewayMetrics;
import dev.signet.gateway.usage.UsageRecord;
import dev.signet.gateway.usage.UsageReporter;
import dev.signet.gateway.worker.FailoverGenerator;
import dev.signet.gateway.worker.WorkerEvent;
import dev.signet.gateway.worker.WorkerRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.SynchronousSink;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One completion request from key to answer, the same for both endpoints: authenticate the key, check the body,
 * resolve the model among the tenant's own, admit it, run its n choices on workers (each routed and failed over on
 * its own, choice i with seed + i), and answer as JSON or as an SSE stream in the endpoint's {@link CompletionFormat}.
 * When it ends (finished, failed, or cancelled by the client going away, which cancels the workers' requests) the
 * tokens it used are charged to the tenant's quota, reported to the registry and counted in the metrics.
 */
public final class CompletionService {
    private static final Logger log = LoggerFactory.getLogger(CompletionService.class);

    private final TenantAuthenticator authenticator;
    private final Admission admission;
    private final WorkerRouter router;
    private final FailoverGenerator generator;
    private final UsageReporter usage;
    private final GatewayMetrics metrics;
    private final JsonBodies bodies;
    private final JsonMapper json;
    private final Clock clock;

    public CompletionService(TenantAuthenticator authenticator, Admission admission, WorkerRouter router, FailoverGenerator generator,
                             UsageReporter usage, GatewayMetrics metrics, JsonBodies bodies, JsonMapper json, Clock clock) {
        this.authenticator = authenticator;
        this.admission = admission;
        this.router = router;
        this.generator = generator;
        this.usage = usage;
        this.metrics = metrics;
        this.bodies = bodies;
        this.json = json;
        this.clock = clock;
    }

    /** An admitted request: who asked, for which of its models, what, and its hold on the quota. */
    private record Call(Tenant tenant, TenantModel model, CompletionRequest request, Permit permit, ResponseHeader header) {}

    public Mono<ResponseEntity<Flux<DataBuffer>>> complete(String authorization, String body, CompletionFormat format) {
        return Mono.defer(() -> authenticator.authenticate(ApiKeys.fromAuthorization(authorization)))
                .flatMap(tenant -> {
                    CompletionRequest request = format.parse(readJson(body));
                    TenantModel model = tenant.model(request.model());
                    return admission.admit(tenant)
                            .doOnError(OpenAiException.class, e -> metrics.request(tenant.id(), "rejected", 0, 0))
                            .map(permit -> respond(new Call(tenant, model, request, permit, new ResponseHeader(
                                    format.idPrefix() + UUID.randomUUID().toString().replace("-", ""),
                                    clock.instant().getEpochSecond(), request.model())), format));
                });
    }

    private JsonNode readJson(String body) {
        if (body == null || body.isBlank()) {
            throw OpenAiException.invalid(null, "The request has no body; send a JSON object.");
        }
        try {
            return json.readTree(body);
        } catch (RuntimeException e) {
            throw OpenAiException.invalid(null, "We could not parse the JSON body of your request: " + e.getMessage());
        }
    }

    private ResponseEntity<Flux<DataBuffer>> respond(Call call, CompletionFormat format) {
        UsageTally tally = new UsageTally();
        int n = call.request().n();
        Flux<ChoiceEvent> events = Flux.range(0, n)
                .flatMap(i -> choice(call, i, tally), n)
                .doFinally(signal -> settle(call, tally, signal));
        // Charged before the answer ends, so the tenant's next request already sees the tokens this one used.
        Mono<Void> charge = Mono.defer(() -> call.permit().complete(tally.usage().totalTokens()));
        if (call.request().stream()) {
            return ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).cacheControl(CacheControl.noCache())
                    .body(stream(call, format, events, tally, charge));
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                .body(whole(call, format, events, tally, charge).flux());
    }

    /** Choice {@code i}: routed to a worker, failed over, its events turned into text and finish. */
    private Flux<ChoiceEvent> choice(Call call, int i, UsageTally tally) {
        CompletionRequest r = call.request();
        Sampling s = r.sampling().forChoice(i);
        WorkerRequest request = new WorkerRequest(call.header().id() + "-" + i, call.tenant().id(), call.model().delta(), r.prompt(),
                r.promptIds(), r.messages(), s.maxTokens(), s.temperature(), s.topP(), s.topK(), s.seed(), s.stop().isEmpty() ? null : s.stop(),
                s.ignoreEos());
        return router.candidates(call.model().delta())
                .flatMapMany(candidates -> generator.generate(candidates, request))
                .handle((WorkerEvent event, SynchronousSink<ChoiceEvent> sink) -> {
                    if (event.isStart() && event.promptTokens() != null) {
                        tally.prompt(event.promptTokens());
                    } else if (event.isToken()) {
                        tally.token();
                        if (event.text() != null && !event.text().isEmpty()) {
                            sink.next(new ChoiceEvent.Text(i, event.text()));
                        }
                    } else if (event.isFinish()) {
                        sink.next(new ChoiceEvent.Finish(i, finishReason(event.finishReason())));
                    }
                });
    }

    /** The worker's {@code stop} (a stop token or string) and {@code length} are OpenAI's. */
    private static String finishReason(String worker) {
        return "length".equals(worker) ? "length" : "stop";
    }

    private Mono<DataBuffer> whole(Call call, CompletionFormat format, Flux<ChoiceEvent> events, UsageTally tally, Mono<Void> charge) {
        int n = call.request().n();
        return events.collectList().flatMap(list -> charge.thenReturn(list)).map(list -> {
            List<StringBuilder> texts = new ArrayList<>();
            String[] reasons = new String[n];
            for (int i = 0; i < n; i++) {
                texts.add(new StringBuilder());
            }
            for (ChoiceEvent event : list) {
                switch (event) {
                    case ChoiceEvent.Text t -> texts.get(t.index()).append(t.text());
                    case ChoiceEvent.Finish f -> reasons[f.index()] = f.finishReason();
                }
            }
            List<FinishedChoice> choices = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                choices.add(new FinishedChoice(i, texts.get(i).toString(), reasons[i]));
            }
            return bodies.buffer(format.response(call.header(), choices, tally.usage()));
        });
    }

    /**
     * The SSE stream: chunks as the choices produce them, the usage chunk if asked, then {@code [DONE]}. A failure before
     * the first chunk becomes the response's error status (nothing is written yet); after it, an error frame ends the stream.
     */
    private Flux<DataBuffer> stream(Call call, CompletionFormat format, Flux<ChoiceEvent> events, UsageTally tally, Mono<Void> charge) {
        Set<Integer> opened = ConcurrentHashMap.newKeySet();
        AtomicBoolean began = new AtomicBoolean();
        Flux<DataBuffer> chunks = events
                .concatMapIterable(event -> format.chunks(call.header(), event, opened.add(event.index())))
                .map(bodies::frame)
                .doOnNext(frame -> began.set(true));
        Flux<DataBuffer> end = charge.thenMany(Flux.defer(() -> call.request().includeUsage()
                ? Flux.just(bodies.frame(format.usageChunk(call.header(), tally.usage())), bodies.done())
                : Flux.just(bodies.done())));
        return chunks.concatWith(end)
                .onErrorResume(e -> began.get() ? Flux.just(bodies.frame(OpenAiErrorHandler.translate(e).body())) : Flux.error(e));
    }

    /** However the request ended: free its quota hold, count it, report its usage. */
    private void settle(Call call, UsageTally tally, SignalType signal) {
        String outcome = switch (signal) {
            case ON_COMPLETE -> "ok";
            case CANCEL -> "cancelled";
            default -> "error";
        };
        Usage used = tally.usage();
        call.permit().complete(used.totalTokens()).subscribe(null,
                e -> log.warn("request {}: releasing tenant {}'s quota hold failed", call.header().id(), call.tenant().id(), e));
        metrics.request(call.tenant().id(), outcome, used.promptTokens(), used.completionTokens());
        if (used.totalTokens() > 0) {
            usage.report(new UsageRecord(call.header().id(), call.tenant().id(), call.model().name(), used.promptTokens(),
                    used.completionTokens()));
        }
    }
}
