package dev.signet.engine.bitdelta;

import dev.signet.engine.model.LlamaWeights;
import dev.signet.engine.safetensors.TensorEntry;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * A base model's identity: SHA-256 over its weights, not its path, so a delta refuses a base that was
 * retrained, requantised or converted to another dtype, and accepts the same weights copied anywhere. It is
 * a two-level hash: each tensor's bytes are hashed on their own (in parallel: a 70B base is 140 GB), then
 * one hash covers the lines {@code name dtype shape sha256} sorted by name, so neither file layout, sharding
 * nor tensor order matters.
 */
public final class BaseDigest {
    public static final String PREFIX = "sha256:";
    /** Hashed in slices so a tensor larger than 2 GB (a 128k × 8192 embedding) goes through one digest. */
    private static final long SLICE = 1 << 26;

    private BaseDigest() {}

    public static String of(LlamaWeights weights) {
        List<TensorEntry> tensors = weights.all().sorted(Comparator.comparing(TensorEntry::name)).toList();
        List<String> lines = tensors.parallelStream()
                .map(t -> t.name() + " " + t.dtype() + " " + t.shapeString() + " " + sha256(t.data()))
                .toList();
        MessageDigest top = newDigest();
        for (String line : lines) {
            top.update((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return PREFIX + HexFormat.of().formatHex(top.digest());
    }

    /** Hex SHA-256 of a segment's bytes. */
    static String sha256(MemorySegment data) {
        MessageDigest d = newDigest();
        for (long at = 0; at < data.byteSize(); at += SLICE) {
            ByteBuffer slice = data.asSlice(at, Math.min(SLICE, data.byteSize() - at)).asByteBuffer();
            d.update(slice);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-256", e);
        }
    }
}
