package dev.signet.store.upload;

import dev.signet.store.api.ApiException;
import dev.signet.engine.deltacache.ArtifactDigest;

/** Where one chunk's bytes go: the file, the chunk's index, offset and length, and the sha256 its sender declared. */
record ChunkTarget(int fileIndex, DeclaredFile file, int index, long offset, long length, String expectedSha256) {

    /** The target of {@code PUT .../files/{name}/chunks/{index}}, or the 4xx that says why there is none. */
    static ChunkTarget of(UploadManifest m, String name, int index, String expectedSha256, long contentLength) {
        int fileIndex = m.fileIndex(name);
        if (fileIndex < 0) {
            throw ApiException.notFound("name", "upload " + m.id() + " has no file '" + name + "'; its files are "
                    + m.files().stream().map(DeclaredFile::name).toList());
        }
        DeclaredFile file = m.files().get(fileIndex);
        int chunks = m.chunks(file);
        if (index < 0 || index >= chunks) {
            throw ApiException.invalid("index", "'" + name + "' has chunks 0 to " + (chunks - 1) + ", got " + index);
        }
        if (!ArtifactDigest.isValid(expectedSha256)) {
            throw ApiException.invalid("Signet-Chunk-Sha256", "header Signet-Chunk-Sha256 must be the chunk's sha256 as 64"
                    + " lower-case hex digits, got " + (expectedSha256 == null ? "none" : "\"" + expectedSha256 + "\""));
        }
        long length = m.chunkLength(file, index);
        if (contentLength > length) {
            throw ApiException.tooLarge("index", "chunk " + index + " of '" + name + "' holds " + length + " bytes (the file's"
                    + " declared size bounds it), the request carries " + contentLength);
        }
        return new ChunkTarget(fileIndex, file, index, m.chunkOffset(index), length, expectedSha256);
    }
}
