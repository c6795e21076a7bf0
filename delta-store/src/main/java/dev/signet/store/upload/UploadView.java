package dev.signet.store.upload;

import java.util.List;

/**
 * An upload as the API shows it: each file with its chunk count and the indexes received so far, to resume from;
 * {@code state} is {@code receiving} until every chunk is in, then {@code received}.
 */
public record UploadView(String id, UploadKind kind, long chunkSize, List<FileView> files, String state, long createdAt) {
    public record FileView(String name, long size, String sha256, int chunks, List<Integer> received) {
        boolean complete() {
            return received.size() == chunks;
        }
    }

    static UploadView of(UploadManifest m, List<List<Integer>> received) {
        List<FileView> files = new java.util.ArrayList<>();
        for (int i = 0; i < m.files().size(); i++) {
            DeclaredFile f = m.files().get(i);
            files.add(new FileView(f.name(), f.size(), f.sha256(), m.chunks(f), received.get(i)));
        }
        boolean all = files.stream().allMatch(FileView::complete);
        return new UploadView(m.id(), m.kind(), m.chunkSize(), List.copyOf(files), all ? "received" : "receiving", m.createdAt());
    }
}
