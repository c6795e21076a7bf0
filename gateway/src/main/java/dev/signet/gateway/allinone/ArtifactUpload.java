package dev.signet.gateway.allinone;

import dev.signet.engine.deltacache.ArtifactDigest;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A ready BitDelta artifact sent to the delta store as an operator sends it (docs/platform.md, "delta-store API"): an
 * {@code artifact} upload declaring the file's size and sha256, each chunk with its own sha256, then {@code complete},
 * which checks the artifact against the store's base and answers its digest.
 */
public final class ArtifactUpload {
    private ArtifactUpload() {}

    /** Uploads {@code bytes} as the file {@code name} in chunks of {@code chunkSize} bytes; the stored artifact's digest. */
    public static String upload(AdminHttp store, String name, byte[] bytes, int chunkSize) {
        JsonNode upload = AdminHttp.expectOk(store.post("/admin/v1/uploads", Map.of("kind", "artifact", "chunk_size", chunkSize,
                "files", List.of(Map.of("name", name, "size", bytes.length, "sha256", sha256(bytes))))), "starting the upload of " + name);
        String id = upload.get("id").asString();
        int chunk = upload.get("chunk_size").asInt();
        for (int i = 0, from = 0; from < bytes.length; i++, from += chunk) {
            byte[] part = Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + chunk));
            AdminHttp.expectOk(store.putBytes("/admin/v1/uploads/" + id + "/files/" + name + "/chunks/" + i, part, "Signet-Chunk-Sha256", sha256(part)),
                    "uploading chunk " + i + " of " + name);
        }
        JsonNode done = AdminHttp.expectOk(store.post("/admin/v1/uploads/" + id + "/complete", Map.of()), "completing the upload of " + name);
        return done.get("digest").asString();
    }

    /** Lower-case hex sha256: a delta's digest, and each chunk's {@code Signet-Chunk-Sha256}. */
    public static String sha256(byte[] bytes) {
        MessageDigest sha = ArtifactDigest.newDigest();
        sha.update(bytes);
        return ArtifactDigest.hex(sha);
    }
}
