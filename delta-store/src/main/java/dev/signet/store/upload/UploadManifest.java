package dev.signet.store.upload;

import java.util.List;

/**
 * An upload as created, kept in {@code uploads/<id>/upload.json} and never changed: what is received is told by the
 * chunk markers beside it. File {@code i}'s chunk {@code k} holds bytes {@code [k·chunkSize, min((k+1)·chunkSize, size))}.
 */
public record UploadManifest(String id, UploadKind kind, long chunkSize, List<DeclaredFile> files, long createdAt) {
    public static final long DEFAULT_CHUNK_SIZE = 8L << 20;

    /** The index of the file with this name, or -1. */
    public int fileIndex(String name) {
        for (int i = 0; i < files.size(); i++) {
            if (files.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    public int chunks(DeclaredFile file) {
        return Math.toIntExact((file.size() + chunkSize - 1) / chunkSize);
    }

    public long chunkOffset(int index) {
        return index * chunkSize;
    }

    public long chunkLength(DeclaredFile file, int index) {
        return Math.min(chunkSize, file.size() - chunkOffset(index));
    }
}
