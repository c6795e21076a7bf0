package dev.signet.store.upload;

import dev.signet.store.api.ApiException;
import dev.signet.engine.deltacache.ArtifactDigest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * One chunk's bytes as they arrive: each buffer is hashed and written at its place in the upload's file (or, for a
 * chunk already received, only hashed, so a re-send cannot damage acknowledged bytes), never collected in memory.
 * More bytes than the chunk holds is 413 at once. Runs on a blocking-capable thread.
 */
final class ChunkSink implements AutoCloseable {
    private final FileChannel channel;   // null: verify only
    private final MessageDigest sha = ArtifactDigest.newDigest();
    private final long offset;
    private final long length;
    private final String param;
    private final String acknowledged;
    private long received;

    private ChunkSink(FileChannel channel, long offset, long length, String param, String acknowledged) {
        this.channel = channel;
        this.acknowledged = acknowledged;
        this.offset = offset;
        this.length = length;
        this.param = param;
    }

    static ChunkSink writing(Path file, long offset, long length, String param) throws IOException {
        return new ChunkSink(FileChannel.open(file, StandardOpenOption.WRITE), offset, length, param, null);
    }

    /** For a chunk received before with sha256 {@code acknowledged}: its bytes stay as they are. */
    static ChunkSink verifying(long length, String param, String acknowledged) {
        return new ChunkSink(null, 0, length, param, acknowledged);
    }

    /** The sha256 the chunk was acknowledged with before this request, or null. */
    String acknowledged() {
        return acknowledged;
    }

    /**
     * The bytes of a network buffer, copied on the thread that delivered it, and the buffer released there: the
     * server's pooled buffers must not outlive the event loop's hand-off to a blocking thread. A copy is one buffer's
     * worth (tens of KiB); a few are queued at most.
     */
    static ByteBuffer detach(DataBuffer buffer) {
        try {
            byte[] copy = new byte[buffer.readableByteCount()];
            buffer.read(copy);
            return ByteBuffer.wrap(copy);
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    /** Hashes and writes one piece of the chunk. */
    void accept(ByteBuffer bytes) {
        int count = bytes.remaining();
        if (received + count > length) {
            throw ApiException.tooLarge(param, "the chunk holds " + length + " bytes but more were sent");
        }
        sha.update(bytes.duplicate());
        try {
            long at = offset + received;
            while (channel != null && bytes.hasRemaining()) {
                at += channel.write(bytes, at);
            }
        } catch (IOException e) {
            throw ApiException.internal("cannot write the chunk to disk: " + e.getMessage(), e);
        }
        received += count;
    }

    /** After the last buffer: the chunk's length checked, its bytes fsynced; returns the sha256 of what arrived. */
    String finish() throws IOException {
        if (received != length) {
            throw ApiException.invalid("chunk_size_mismatch", param, "the chunk holds " + length + " bytes but " + received
                    + " arrived");
        }
        if (channel != null) {
            channel.force(true);
        }
        return ArtifactDigest.hex(sha);
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
