package dev.signet.worker.deltas;

import dev.signet.engine.bitdelta.BitDeltaException;
import dev.signet.engine.deltacache.CacheTier;
import dev.signet.engine.deltacache.CachedDelta;
import dev.signet.engine.deltacache.DeltaCache;
import dev.signet.engine.deltacache.DeltaInUseException;
import dev.signet.engine.deltacache.DeltaNotFoundException;
import dev.signet.engine.deltacache.DirectoryDeltaSource;
import dev.signet.worker.api.ApiException;
import dev.signet.worker.engine.LoadedEngine;
import dev.signet.worker.engine.WorkerEngine;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The delta cache over HTTP, for the gateway and operators: load a delta into a tier (optionally pinned), evict it,
 * unpin it, list what the cache holds. Loads complete when the delta has reached the tier; the answer's status says
 * why one could not ({@code docs/worker-api.md}).
 */
@RestController
public class DeltaController {
    private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");

    private final WorkerEngine engine;

    public DeltaController(WorkerEngine engine) {
        this.engine = engine;
    }

    /** One delta the cache holds. */
    public record DeltaEntry(String digest, String tier, long bytes, int users, boolean pinned) {
        static DeltaEntry of(CachedDelta d) {
            return new DeltaEntry(d.digest(), label(d.tier()), d.bytes(), d.users(), d.pinned());
        }
    }

    /** The cache's entries, best tier first; {@code names}: the delta directory's files by name (empty for a delta store). */
    public record DeltaList(List<DeltaEntry> deltas, Map<String, String> names) {}

    /** Where a load left the delta. */
    public record Loaded(String digest, String tier) {}

    @PutMapping("/v1/deltas/{digest}")
    public Mono<Loaded> load(@PathVariable String digest, @RequestParam(defaultValue = "device") String tier,
                             @RequestParam(defaultValue = "false") boolean pin) {
        requireDigest(digest);
        CacheTier target = tier(tier);
        DeltaCache cache = engine.require().cache();
        // The cache shares one future among every caller of a load: a client that goes away must not cancel it.
        return Mono.fromFuture(cache.load(digest, target, pin), true)
                .map(reached -> new Loaded(digest, label(reached)))
                .onErrorMap(failure -> !(failure instanceof ApiException), failure -> loadFailure(digest, failure));
    }

    @DeleteMapping("/v1/deltas/{digest}")
    public Mono<ResponseEntity<Void>> evict(@PathVariable String digest) {
        requireDigest(digest);
        DeltaCache cache = engine.require().cache();
        return Mono.fromFuture(cache.evict(digest), true)
                .then(Mono.just(ResponseEntity.noContent().<Void>build()))
                .onErrorMap(failure -> !(failure instanceof ApiException), failure -> {
                    Throwable cause = unwrap(failure);
                    if (cause instanceof DeltaInUseException inUse) {
                        return ApiException.conflict("digest", inUse.getMessage(), inUse);
                    }
                    return ApiException.internal("evicting delta " + digest + " failed: " + cause, cause);
                });
    }

    @DeleteMapping("/v1/deltas/{digest}/pin")
    public ResponseEntity<Void> unpin(@PathVariable String digest) {
        requireDigest(digest);
        engine.require().cache().unpin(digest);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/v1/deltas")
    public Mono<DeltaList> list() {
        LoadedEngine e = engine.require();
        // Naming the directory's files hashes those it has not seen: file I/O, off the event loop.
        return Mono.fromCallable(() -> {
            Map<String, String> names = e.source() instanceof DirectoryDeltaSource dir ? dir.digestsByName() : Map.of();
            return new DeltaList(e.cache().entries().stream().map(DeltaEntry::of).toList(), names);
        }).subscribeOn(Schedulers.boundedElastic());
    }

    static void requireDigest(String digest) {
        if (!DIGEST.matcher(digest).matches()) {
            throw ApiException.invalid("digest", "a delta is named by its artifact's sha256 digest as 64 lower-case hex digits, got \""
                    + digest + "\"");
        }
    }

    private static CacheTier tier(String tier) {
        try {
            return CacheTier.valueOf(tier.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("tier", "tier must be one of " + Arrays.stream(CacheTier.values()).map(DeltaController::label).toList()
                    + ", got \"" + tier + "\"");
        }
    }

    static String label(CacheTier tier) {
        return tier.name().toLowerCase(Locale.ROOT);
    }

    /** 404 when the source has no such delta, 422 when its artifact fails a check, 502 when fetching it failed. */
    private static ApiException loadFailure(String digest, Throwable failure) {
        Throwable top = unwrap(failure);
        for (Throwable t = top; t != null; t = t.getCause()) {
            if (t instanceof DeltaNotFoundException notFound) {
                return ApiException.notFound("digest", notFound.getMessage(), top);
            }
            if (t instanceof BitDeltaException invalid) {
                return ApiException.unprocessable("digest", top.getMessage(), invalid);
            }
            if (t instanceof IOException io) {
                return ApiException.badGateway(top.getMessage(), io);
            }
        }
        return ApiException.internal(top.getMessage() != null ? top.getMessage() : "loading delta " + digest + " failed: " + top, top);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
