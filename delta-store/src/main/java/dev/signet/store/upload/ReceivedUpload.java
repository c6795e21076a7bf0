package dev.signet.store.upload;

import java.nio.file.Path;

/** An upload whose every file is on disk whole and matches its declared sha256, in {@code files}. */
public record ReceivedUpload(UploadManifest manifest, Path files) {
    public Path file(String name) {
        return files.resolve(name);
    }
}
