package dev.signet.store.upload;

import dev.signet.store.api.ApiException;
import dev.signet.store.api.Blocking;
import dev.signet.store.config.StoreProperties;
import dev.signet.store.files.DurableFiles;
import dev.signet.engine.deltacache.ArtifactDigest;
import dev.signet.store.files.StoreJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Uploads on disk, under {@code <data-dir>/uploads/<id>/}: {@code upload.json} (the manifest, written once),
 * {@code files/<name>} (each file, chunks written in place at their offsets) and {@code chunks/<file index>/<chunk
 * index>} (a marker holding the chunk's sha256, written durably only after the chunk's bytes are fsynced). What was
 * received is re-derived from the markers, so it survives a crash at any moment: a chunk is acknowledged only once
 * its marker is on disk. Methods that touch files block; callers run them off the event loop.
 */
@Component
public class UploadStore {
    private static final Pattern ID = Pattern.compile("up_[0-9a-f]{24}");
    private static final String MANIFEST = "upload.json";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final StoreProperties properties;
    private final Map<String, UploadManifest> manifests = new ConcurrentHashMap<>();
    private final Set<String> chunksInFlight = ConcurrentHashMap.newKeySet();

    public UploadStore(StoreProperties properties) throws IOException {
        this.properties = properties;
        this.root = Files.createDirectories(properties.dataDir().resolve("uploads"));
    }

    public UploadView create(CreateUploadRequest request) throws IOException {
        UploadKind kind = UploadKind.parse(request.kind());
        if (kind == null) {
            throw ApiException.invalid("kind", "kind must be \"artifact\" or \"checkpoint\", got "
                    + (request.kind() == null ? "none" : "\"" + request.kind() + "\""));
        }
        long chunkSize = request.chunkSize() == null ? UploadManifest.DEFAULT_CHUNK_SIZE : request.chunkSize();
        UploadRules.check(kind, request.files(), chunkSize, properties.maxChunkSize().toBytes(), properties.maxFileSize().toBytes());
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        String id = "up_" + HexFormat.of().formatHex(random);
        UploadManifest manifest = new UploadManifest(id, kind, chunkSize, List.copyOf(request.files()), Instant.now().getEpochSecond());

        Path dir = root.resolve(id);
        Files.createDirectories(dir.resolve("files"));
        for (int i = 0; i < manifest.files().size(); i++) {
            Files.createDirectories(dir.resolve("chunks").resolve(String.valueOf(i)));
            Files.createFile(dir.resolve("files").resolve(manifest.files().get(i).name()));
        }
        DurableFiles.syncDirectory(dir.resolve("files"));
        DurableFiles.syncDirectory(dir.resolve("chunks"));
        StoreJson.write(dir.resolve(MANIFEST), manifest);   // the upload exists from here on
        DurableFiles.syncDirectory(root);
        manifests.put(id, manifest);
        return view(id);
    }

    /** The manifest, or 404. */
    public UploadManifest manifest(String id) throws IOException {
        UploadManifest cached = manifests.get(id);
        if (cached != null) {
            return cached;
        }
        Path file = ID.matcher(id).matches() ? root.resolve(id).resolve(MANIFEST) : null;
        if (file == null || !Files.isRegularFile(file)) {
            throw ApiException.notFound("id", "no upload '" + id + "'");
        }
        UploadManifest manifest = StoreJson.read(file, UploadManifest.class);
        manifests.put(id, manifest);
        return manifest;
    }

    public UploadView view(String id) throws IOException {
        UploadManifest m = manifest(id);
        List<List<Integer>> received = new ArrayList<>();
        try {
            for (int i = 0; i < m.files().size(); i++) {
                received.add(received(id, i));
            }
        } catch (NoSuchFileException deletedMeanwhile) {
            throw ApiException.notFound("id", "no upload '" + id + "'");
        }
        return UploadView.of(m, received);
    }

    /**
     * Streams one chunk to its place in the file on a bounded-elastic thread, checks its length and its sha256 against
     * {@code expectedSha256}, fsyncs it and only then writes its marker. A chunk already received is only hashed: the
     * same bytes again are harmless (204), other bytes are a conflict.
     */
    public Mono<Void> receiveChunk(String id, String name, int index, String expectedSha256, long contentLength,
                                   Flux<DataBuffer> body) {
        return Blocking.call(() -> ChunkTarget.of(manifest(id), name, index, expectedSha256, contentLength))
                .flatMap(target -> {
                    String key = id + "/" + target.fileIndex() + "/" + index;
                    if (!chunksInFlight.add(key)) {
                        return Mono.error(ApiException.conflict("chunk_in_progress", "chunk " + index + " of '" + name
                                + "' is being received by another request"));
                    }
                    // Released before the outcome goes downstream (not doFinally, which runs after): a client
                    // that sends the chunk again as soon as it hears of a refusal must not be told it is in progress.
                    return stream(id, target, body)
                            .subscribeOn(Schedulers.boundedElastic())
                            .doOnTerminate(() -> chunksInFlight.remove(key))
                            .doOnCancel(() -> chunksInFlight.remove(key));
                })
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
    }

    private Mono<Void> stream(String id, ChunkTarget target, Flux<DataBuffer> body) {
        Path marker = markerDir(id, target.fileIndex()).resolve(String.valueOf(target.index()));
        Path file = root.resolve(id).resolve("files").resolve(target.file().name());
        return Mono.using(
                () -> Files.isRegularFile(marker)
                        ? ChunkSink.verifying(target.length(), "index", Files.readString(marker, StandardCharsets.US_ASCII))
                        : ChunkSink.writing(file, target.offset(), target.length(), "index"),
                sink -> body.map(ChunkSink::detach)
                        .publishOn(Schedulers.boundedElastic(), 4)
                        .doOnNext(sink::accept)
                        .then(Mono.fromCallable(sink::finish))
                        .flatMap(sha -> Mono.fromRunnable(() -> acknowledge(target, marker, sink.acknowledged(), sha))),
                sink -> {
                    try {
                        sink.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    private static void acknowledge(ChunkTarget target, Path marker, String acknowledged, String sha) {
        if (!sha.equals(target.expectedSha256())) {
            throw ApiException.unprocessable("chunk_checksum_mismatch", "chunk " + target.index() + " of '" + target.file().name()
                    + "' arrived with sha256 " + sha + " but Signet-Chunk-Sha256 says " + target.expectedSha256()
                    + ": nothing was kept, send the chunk again", null);
        }
        if (acknowledged != null) {
            if (!acknowledged.equals(sha)) {
                throw ApiException.conflict("chunk_conflict", "chunk " + target.index() + " of '" + target.file().name()
                        + "' was already received with sha256 " + acknowledged + "; delete the upload to send other bytes");
            }
            return;
        }
        try {
            DurableFiles.write(marker, sha.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw ApiException.internal("cannot record chunk " + target.index() + " of '" + target.file().name() + "': "
                    + e.getMessage(), e);
        }
    }

    /** The chunk indexes of file {@code fileIndex} on disk, ascending. */
    public List<Integer> received(String id, int fileIndex) throws IOException {
        try (Stream<Path> markers = Files.list(markerDir(id, fileIndex))) {
            return markers.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+"))
                    .map(Integer::valueOf).sorted().toList();
        }
    }

    /**
     * The upload with every file whole: all chunks received, the declared size, the declared sha256 (hashed again from
     * disk). 400 {@code upload_incomplete} names what is missing; 422 {@code file_checksum_mismatch} what differs.
     */
    public ReceivedUpload requireComplete(String id) throws IOException {
        UploadView view = view(id);
        UploadManifest m = manifest(id);
        for (UploadView.FileView f : view.files()) {
            if (!f.complete()) {
                throw ApiException.invalid("upload_incomplete", "id", "'" + f.name() + "' has " + f.received().size() + " of its "
                        + f.chunks() + " chunks; GET the upload to see which are missing");
            }
        }
        Path files = root.resolve(id).resolve("files");
        for (DeclaredFile f : m.files()) {
            Path file = files.resolve(f.name());
            long size = Files.size(file);
            if (size != f.size()) {
                throw ApiException.unprocessable("file_size_mismatch", "'" + f.name() + "' holds " + size + " bytes but "
                        + f.size() + " were declared", null);
            }
            String sha = ArtifactDigest.of(file);
            if (!sha.equals(f.sha256())) {
                throw ApiException.unprocessable("file_checksum_mismatch", "'" + f.name() + "' has sha256 " + sha
                        + " but " + f.sha256() + " was declared", null);
            }
        }
        return new ReceivedUpload(m, files);
    }

    public void delete(String id) throws IOException {
        manifest(id);
        manifests.remove(id);
        DurableFiles.deleteTree(root.resolve(id));
    }

    /** Every upload folder's name, including folders a crash left without a manifest. */
    public List<String> ids() throws IOException {
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.map(p -> p.getFileName().toString()).filter(n -> ID.matcher(n).matches()).sorted().toList();
        }
    }

    /** When anything in the upload last changed: its creation or its latest chunk. */
    public Instant lastActivity(String id) throws IOException {
        try (Stream<Path> all = Files.walk(root.resolve(id))) {
            return all.map(p -> {
                try {
                    return Files.getLastModifiedTime(p).toInstant();
                } catch (NoSuchFileException gone) {
                    return Instant.EPOCH;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).max(Instant::compareTo).orElse(Instant.EPOCH);
        }
    }

    /** Removes an upload folder whatever its state (garbage collection of stale or half-created uploads). */
    public void purge(String id) throws IOException {
        manifests.remove(id);
        DurableFiles.deleteTree(root.resolve(id));
    }

    private Path markerDir(String id, int fileIndex) {
        return root.resolve(id).resolve("chunks").resolve(String.valueOf(fileIndex));
    }
}
