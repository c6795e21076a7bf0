package dev.signet.registry.storage.file;

import dev.signet.registry.storage.StoreJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;

/**
 * The append-only usage journal: one JSON line per {@link JournalEntry}, fsynced before the report is acknowledged, so
 * a usage report costs one small append instead of a rewritten file. Journals are numbered by generation
 * ({@code usage-<generation>.journal}); compaction starts the next generation and folds the older ones into
 * {@code usage.json}. A crash mid-append leaves at most a torn last line, never acknowledged, which replay drops.
 */
final class UsageJournal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UsageJournal.class);
    private static final Pattern NAME = Pattern.compile("usage-(\\d{16})\\.journal");

    private final Path dir;
    private long generation;
    private FileChannel channel;
    private long entries; // in this generation

    private UsageJournal(Path dir, long generation, long entries) throws IOException {
        this.dir = dir;
        this.generation = generation;
        this.entries = entries;
        this.channel = openForAppend(file(dir, generation));
    }

    /** The journal of {@code generation}, opened to append after its {@code entries} replayed lines. */
    static UsageJournal open(Path dir, long generation, long entries) throws IOException {
        return new UsageJournal(dir, generation, entries);
    }

    static Path file(Path dir, long generation) {
        return dir.resolve("usage-%016d.journal".formatted(generation));
    }

    /** The generations of the journals in {@code dir}, oldest first. */
    static List<Long> generations(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> NAME.matcher(f.getFileName().toString()))
                    .filter(Matcher::matches)
                    .map(m -> Long.parseLong(m.group(1)))
                    .sorted()
                    .toList();
        }
    }

    /**
     * Every whole entry of a journal. A last line that is incomplete or unreadable is the torn tail of an append a
     * crash interrupted (never acknowledged): it is cut off the file so later appends start on a clean line. An
     * unreadable line before the last is damage no crash causes, and fails loudly rather than losing usage.
     */
    static List<JournalEntry> replay(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<JournalEntry> entries = new ArrayList<>();
        int start = 0;
        long validEnd = 0;
        while (start < bytes.length) {
            int newline = indexOf(bytes, (byte) '\n', start);
            boolean last = newline < 0 || newline == bytes.length - 1;
            if (newline < 0) {
                break; // torn: the append's closing newline never reached the disk
            }
            String line = new String(bytes, start, newline - start, StandardCharsets.UTF_8);
            try {
                entries.add(StoreJson.MAPPER.readValue(line, JournalEntry.class));
                validEnd = newline + 1;
            } catch (JacksonException unreadable) {
                if (!last) {
                    throw new IOException("usage journal " + file + " is damaged at byte " + start
                            + " (not the torn tail a crash leaves): " + unreadable.getOriginalMessage(), unreadable);
                }
            }
            start = newline + 1;
        }
        if (validEnd < bytes.length) {
            log.warn("usage journal {}: dropping a torn last entry of {} bytes (an append a crash interrupted, never acknowledged)",
                    file, bytes.length - validEnd);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(validEnd);
                channel.force(true);
            }
        }
        return entries;
    }

    /** Appends an entry and forces it to disk; on failure the journal is cut back so no partial line stays. */
    void append(JournalEntry entry) throws IOException {
        byte[] line = (StoreJson.MAPPER.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
        long before = channel.size();
        try {
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        } catch (IOException failed) {
            try {
                channel.truncate(before);
            } catch (IOException alsoFailed) {
                failed.addSuppressed(alsoFailed);
            }
            throw failed;
        }
        entries++;
    }

    long generation() {
        return generation;
    }

    long entries() {
        return entries;
    }

    /** Starts the next generation's (empty, durable) journal; later appends go there. Returns the finished generation. */
    long roll() throws IOException {
        FileChannel next = openForAppend(file(dir, generation + 1));
        AtomicFile.syncDirectory(dir);
        channel.close();
        channel = next;
        entries = 0;
        return generation++;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static FileChannel openForAppend(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
