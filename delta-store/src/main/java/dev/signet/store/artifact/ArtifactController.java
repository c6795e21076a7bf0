package dev.signet.store.artifact;

import dev.signet.store.api.ApiException;
import dev.signet.store.api.Blocking;
import dev.signet.store.gate.QualityGate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.PathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * Artifacts: the operator's view ({@code /admin/v1/artifacts}, with the gate's verdict) and the workers' download
 * ({@code GET/HEAD /v1/artifacts/{digest}}; WebFlux's resource writer answers {@code Range} requests with 206, or 416
 * when no byte of the range exists, straight from the file).
 */
@RestController
public class ArtifactController {
    private final ArtifactStore artifacts;
    private final QualityGate gate;

    public ArtifactController(ArtifactStore artifacts, QualityGate gate) {
        this.artifacts = artifacts;
        this.gate = gate;
    }

    @GetMapping("/admin/v1/artifacts")
    Mono<Map<String, List<ArtifactView>>> list() {
        return Blocking.call(() -> Map.of("data", artifacts.list().stream().map(this::view).toList()));
    }

    @GetMapping("/admin/v1/artifacts/{digest}")
    Mono<ArtifactView> get(@PathVariable String digest) {
        return Blocking.call(() -> view(require(digest)));
    }

    /** The bytes; an artifact never changes, so its digest is its ETag and caches may keep it forever. */
    @GetMapping("/v1/artifacts/{digest}")
    Mono<ResponseEntity<Resource>> download(@PathVariable String digest) {
        return Blocking.call(() -> {
            require(digest);
            return ResponseEntity.ok()
                    .eTag("\"" + digest + "\"")
                    .cacheControl(CacheControl.maxAge(Duration.ofDays(365)).cachePublic().immutable())
                    .contentType(MediaType.APPLICATION_OCTET_STREAM)
                    .<Resource>body(new PathResource(artifacts.path(digest)));
        });
    }

    private ArtifactView view(ArtifactMetadata m) {
        return ArtifactView.of(m, gate.evaluate(m.report()));
    }

    private ArtifactMetadata require(String digest) throws java.io.IOException {
        return artifacts.find(digest).orElseThrow(() -> ApiException.notFound("digest", "no artifact with digest " + digest
                + " (a digest is the artifact file's sha256 as 64 lower-case hex digits)"));
    }
}
