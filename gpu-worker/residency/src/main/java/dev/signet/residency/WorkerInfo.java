package dev.signet.residency;

/**
 * What a worker is and what it can hold, which changes only when it restarts: its id (unique among workers), the
 * address the gateway sends requests to ({@code host:port} or a URL), its backend ({@code cpu}, {@code cuda}), and its
 * capacity: delta slots in device memory, bytes of pinned host memory for deltas, the most sequences it runs at once,
 * and the blocks of its KV cache pool.
 */
public record WorkerInfo(String id, String address, String backend, int deviceSlots, long hostBytes, int maxRunning,
        int kvBlocks) {

    public WorkerInfo {
        requireId(id);
        requireText(address, "address of worker " + id);
        requireText(backend, "backend of worker " + id);
        requireNotNegative(deviceSlots, "deviceSlots");
        requireNotNegative(hostBytes, "hostBytes");
        requireNotNegative(maxRunning, "maxRunning");
        requireNotNegative(kvBlocks, "kvBlocks");
    }

    /** Worker ids name Redis keys and index entries, so a blank one is always a bug in the caller. */
    static String requireId(String id) {
        return requireText(id, "worker id");
    }

    private static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank, got " + (value == null ? "null" : "'" + value + "'"));
        }
        return value;
    }

    private static void requireNotNegative(long value, String what) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " must not be negative, got " + value);
        }
    }
}
