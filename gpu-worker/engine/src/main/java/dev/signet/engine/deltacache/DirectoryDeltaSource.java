package dev.signet.engine.deltacache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Deltas from a folder of artifacts ({@code *.safetensors}, e.g. the bundled demo tenants in models/deltas), found
 * by their sha256. Each file is hashed once, on first use, and again only if its size or modification time
 * changes; files added later are picked up. {@link #digestsByName()} lets the worker offer the files by name.
 */
public final class DirectoryDeltaSource implements DeltaSource {
    private static final String SUFFIX = ".safetensors";

    private final Path dir;
    private final Map<Path, Hashed> hashed = new HashMap<>();   // guarded by this

    /** A file as it was when hashed: rehashed when its size or modification time changes. */
    private record Hashed(long size, FileTime modified, String digest) {}

    public DirectoryDeltaSource(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("delta directory " + dir + " does not exist or is not a directory");
        }
        this.dir = dir.toAbsolutePath().normalize();
    }

    @Override
    public String describe() {
        return "directory " + dir;
    }

    /** Every artifact in the folder: file name without {@code .safetensors} → digest, by name. */
    public Map<String, String> digestsByName() {
        Map<String, String> byName = new TreeMap<>();
        try {
            index().forEach((file, digest) -> {
                String name = file.getFileName().toString();
                byName.put(name.substring(0, name.length() - SUFFIX.length()), digest);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableMap(byName);
    }

    @Override
    public void fetch(String digest, Path target) throws IOException {
        ArtifactDigest.require(digest);
        Path file = index().entrySet().stream().filter(e -> e.getValue().equals(digest)).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new DeltaNotFoundException(digest, describe()));
        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
    }

    /** File → digest of every artifact now in the folder, hashing only files not seen (or changed) since. */
    private synchronized Map<Path, String> index() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(f -> f.getFileName().toString().endsWith(SUFFIX) && Files.isRegularFile(f)).sorted().toList();
        } catch (IOException e) {
            throw new IOException("cannot list delta directory " + dir + ": " + e.getMessage(), e);
        }
        hashed.keySet().retainAll(files);
        Map<Path, String> digests = new TreeMap<>();
        for (Path f : files) {
            try {
                long size = Files.size(f);
                FileTime modified = Files.getLastModifiedTime(f);
                Hashed h = hashed.get(f);
                if (h == null || h.size() != size || !h.modified().equals(modified)) {
                    h = new Hashed(size, modified, ArtifactDigest.of(f));
                    hashed.put(f, h);
                }
                digests.put(f, h.digest());
            } catch (IOException e) {
                throw new IOException("cannot hash delta artifact " + f + ": " + e.getMessage(), e);
            }
        }
        return digests;
    }
}
