package dev.signet.engine.deltacache;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the {@link DeltaCache} gets a delta it does not hold: a folder of artifacts ({@link DirectoryDeltaSource})
 * or the delta store over HTTP ({@link HttpDeltaSource}). A source only transfers bytes; the cache checks that
 * they hash to the digest asked for, so a source need not be trusted.
 */
public interface DeltaSource {
    /** Where the deltas come from, for messages: {@code directory /x} or {@code delta store http://...}. */
    String describe();

    /**
     * Writes the artifact with this digest (its file's lower-case hex SHA-256) to {@code target}, replacing what
     * is there; the caller verifies its sha256. Throws {@link DeltaNotFoundException} when the source has no
     * such digest, {@link IOException} when the transfer fails.
     */
    void fetch(String digest, Path target) throws IOException;
}
