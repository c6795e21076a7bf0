package dev.signet.store.upload;

import dev.signet.store.api.Blocking;
import dev.signet.store.artifact.ArtifactMetadata;
import dev.signet.store.artifact.ArtifactStore;
import dev.signet.store.compress.CompressionJobs;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * Chunked, resumable uploads ({@code /admin/v1/uploads}): create, send chunks (streamed to disk), read back what was
 * received to resume, complete (a ready artifact is checked and stored; a checkpoint becomes a compression job), delete.
 */
@RestController
public class UploadController {
    public static final String CHUNK_SHA256 = "Signet-Chunk-Sha256";

    private final UploadStore uploads;
    private final ArtifactStore artifacts;
    private final CompressionJobs compressions;

    public UploadController(UploadStore uploads, ArtifactStore artifacts, CompressionJobs compressions) {
        this.uploads = uploads;
        this.artifacts = artifacts;
        this.compressions = compressions;
    }

    @PostMapping("/admin/v1/uploads")
    @ResponseStatus(HttpStatus.CREATED)
    Mono<UploadView> create(@RequestBody CreateUploadRequest request) {
        return Blocking.call(() -> uploads.create(request));
    }

    @GetMapping("/admin/v1/uploads/{id}")
    Mono<UploadView> get(@PathVariable String id) {
        return Blocking.call(() -> uploads.view(id));
    }

    @PutMapping("/admin/v1/uploads/{id}/files/{name}/chunks/{index}")
    Mono<ResponseEntity<Void>> putChunk(@PathVariable String id, @PathVariable String name, @PathVariable int index,
                                        @RequestHeader(name = CHUNK_SHA256, required = false) String sha256,
                                        ServerHttpRequest request) {
        return uploads.receiveChunk(id, name, index, sha256, request.getHeaders().getContentLength(), request.getBody())
                .thenReturn(ResponseEntity.noContent().build());
    }

    /** {@code artifact}: 200 {@code {"digest"}}; {@code checkpoint}: 202 {@code {"job"}}. */
    @PostMapping("/admin/v1/uploads/{id}/complete")
    Mono<ResponseEntity<Map<String, String>>> complete(@PathVariable String id) {
        return Blocking.call(() -> {
            UploadManifest manifest = uploads.manifest(id);
            if (manifest.kind() == UploadKind.ARTIFACT) {
                // Already stored (the same bytes uploaded before, or a crash after storing): nothing left to check.
                var stored = artifacts.find(manifest.files().getFirst().sha256());
                if (stored.isPresent()) {
                    uploads.delete(id);
                    return ResponseEntity.ok(Map.of("digest", stored.get().digest()));
                }
            }
            ReceivedUpload upload = uploads.requireComplete(id);
            if (upload.manifest().kind() == UploadKind.CHECKPOINT) {
                return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("job", compressions.start(upload).id()));
            }
            DeclaredFile file = upload.manifest().files().getFirst();
            ArtifactMetadata stored = artifacts.ingest(upload.file(file.name()), ArtifactMetadata.UPLOADED, id);
            uploads.delete(id);
            return ResponseEntity.ok(Map.of("digest", stored.digest()));
        });
    }

    @DeleteMapping("/admin/v1/uploads/{id}")
    Mono<ResponseEntity<Void>> delete(@PathVariable String id) {
        return Blocking.call(() -> {
            uploads.delete(id);
            return ResponseEntity.noContent().build();
        });
    }
}
