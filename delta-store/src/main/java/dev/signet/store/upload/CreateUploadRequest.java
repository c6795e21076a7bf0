package dev.signet.store.upload;

import java.util.List;

/** {@code POST /admin/v1/uploads}: the kind, the files and the chunk size (null: {@link UploadManifest#DEFAULT_CHUNK_SIZE}). */
public record CreateUploadRequest(String kind, List<DeclaredFile> files, Long chunkSize) {}
