package dev.signet.engine.deltacache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The disk tier's files: {@code <digest>.safetensors} for every delta held, and nothing else under such a name.
 * A download goes to {@code <digest>.<random>.partial} and is renamed atomically only once its sha256 matched;
 * an evicted file is first renamed to {@code <digest>.<n>.trash}, so a download of the same digest can never be
 * the file that gets deleted. Both kinds of leftover are deleted at start-up. No state of its own: the
 * {@link DeltaCache} keeps the index and the budget.
 */
final class CacheDirectory {
    private static final String SUFFIX = ".safetensors";
    private static final String PARTIAL = ".partial";
    private static final String TRASH = ".trash";
    private static final Pattern ARTIFACT_NAME = Pattern.compile("[0-9a-f]{64}\\.safetensors");

    private final Path dir;
    private final AtomicLong trashCount = new AtomicLong();

    /** An artifact file found at start-up; its name is not yet checked against its bytes. */
    record Indexed(String digest, long size, long modifiedMillis) {}

    CacheDirectory(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the delta cache directory " + this.dir + ": " + e.getMessage(), e);
        }
    }

    Path file(String digest) {
        return dir.resolve(digest + SUFFIX);
    }

    /** Deletes leftovers of a crash and lists the artifact files, least recently modified first; other files stay. */
    List<Indexed> index() {
        List<Indexed> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(PARTIAL) || name.endsWith(TRASH)) {
                    Files.deleteIfExists(f);
                } else if (ARTIFACT_NAME.matcher(name).matches()) {
                    found.add(new Indexed(name.substring(0, name.length() - SUFFIX.length()), Files.size(f),
                            Files.getLastModifiedTime(f).toMillis()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot index the delta cache directory " + dir + ": " + e.getMessage(), e);
        }
        found.sort(Comparator.comparingLong(Indexed::modifiedMillis));
        return found;
    }

    /**
     * Whether the file under {@code digest}'s name hashes to it (checked once per process, when a delta indexed at
     * start-up is first loaded). A file that does not is deleted.
     */
    boolean verify(String digest) {
        Path file = file(digest);
        String actual;
        try {
            actual = ArtifactDigest.of(file);
        } catch (NoSuchFileException gone) {
            return false;
        } catch (IOException e) {
            throw new DeltaLoadException(digest, CacheTier.DISK, "cannot read " + file + ": " + e.getMessage(), e);
        }
        if (actual.equals(digest)) {
            return true;
        }
        delete(digest);
        return false;
    }

    /** Fetches the artifact from {@code source} into a partial file and checks its sha256; close deletes it unless installed. */
    Download download(String digest, DeltaSource source) {
        Path partial;
        try {
            partial = Files.createTempFile(dir, digest + ".", PARTIAL);
        } catch (IOException e) {
            throw new DeltaLoadException(digest, CacheTier.DISK, "cannot create a file in " + dir + ": " + e.getMessage(), e);
        }
        Download d = new Download(digest, partial);
        try {
            try {
                source.fetch(digest, partial);
            } catch (DeltaNotFoundException notFound) {
                throw new DeltaLoadException(digest, CacheTier.DISK, source.describe() + " has no artifact with this digest", notFound);
            } catch (IOException e) {
                throw new DeltaLoadException(digest, CacheTier.DISK, "fetching from " + source.describe() + " failed: "
                        + e.getMessage(), e);
            }
            String actual;
            try {
                actual = ArtifactDigest.of(partial);
                d.size = Files.size(partial);
            } catch (IOException e) {
                throw new DeltaLoadException(digest, CacheTier.DISK, "cannot read the fetched file " + partial + ": "
                        + e.getMessage(), e);
            }
            if (!actual.equals(digest)) {
                throw new DeltaLoadException(digest, CacheTier.DISK, String.format(Locale.ROOT, "%s sent %,d bytes whose"
                        + " sha256 is %s, not the digest asked for; nothing was kept", source.describe(), d.size, actual));
            }
            return d;
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /** A fetched file whose sha256 matched, waiting to be installed under its digest's name. */
    final class Download implements AutoCloseable {
        private final String digest;
        private final Path partial;
        private long size;
        private boolean installed;

        private Download(String digest, Path partial) {
            this.digest = digest;
            this.partial = partial;
        }

        long size() {
            return size;
        }

        /** Renames it to {@code <digest>.safetensors} in one step: the name never shows a half file. */
        void install() {
            try {
                Files.move(partial, file(digest), StandardCopyOption.ATOMIC_MOVE);
                installed = true;
            } catch (IOException e) {
                throw new DeltaLoadException(digest, CacheTier.DISK, "cannot rename " + partial + " to " + file(digest)
                        + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            if (!installed) {
                deleteQuietly(partial);
            }
        }
    }

    /** Renames an evicted delta's file away (quick, so it may run under the cache's lock); delete the result later. */
    Path trash(String digest) throws IOException {
        Path moved = dir.resolve(digest + "." + trashCount.incrementAndGet() + TRASH);
        Files.move(file(digest), moved, StandardCopyOption.ATOMIC_MOVE);
        return moved;
    }

    /** Deletes the file under {@code digest}'s name, if any. */
    void delete(String digest) {
        try {
            Files.deleteIfExists(file(digest));
        } catch (IOException e) {
            throw new DeltaLoadException(digest, CacheTier.DISK, "cannot delete " + file(digest) + ": " + e.getMessage(), e);
        }
    }

    /** Deletes trashed or partial files; one that cannot be deleted is reported and left for the next start-up. */
    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, e);
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
