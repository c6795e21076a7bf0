package dev.signet.registry.storage.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The file store's single-writer guard: an OS lock on {@code registry.lock} in the data directory, held while the store
 * is open. The OS drops it when the process dies, even by SIGKILL, so a crashed registry never blocks its successor.
 * The holder's pid is written into the file for the error a second process gets.
 */
final class DirectoryLock implements AutoCloseable {
    static final String FILE_NAME = "registry.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DirectoryLock acquire(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
            throw new IllegalStateException("the registry data directory " + dir + " is in use by another registry"
                    + (holder.isEmpty() ? "" : " (pid " + holder + ")") + ": the file store has a single writer. Stop"
                    + " that one, or give this one its own signet.registry.data-dir (or use signet.registry.store=redis"
                    + " to run several replicas)");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
        return new DirectoryLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
