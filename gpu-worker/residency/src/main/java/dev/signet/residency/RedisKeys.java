package dev.signet.residency;

/**
 * The residency key layout under one prefix (docs/residency.md explains it). The scripts build the per-worker and
 * per-delta keys from the same prefixes, so this record is the only place that spells them.
 */
record RedisKeys(String prefix) {

    RedisKeys {
        if (prefix == null || prefix.isBlank() || prefix.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("Redis key prefix must be non-blank without whitespace, got '" + prefix + "'");
        }
    }

    /** HASH: the worker's info, load and report time; expires with its ttl. */
    String worker(String id) {
        return workerPrefix() + id;
    }

    String workerPrefix() {
        return prefix + ":worker:";
    }

    /**
     * HASH digest → tier of the deltas the worker holds; same ttl. Its own namespace (not {@code worker:{id}:deltas}),
     * so no worker id, whatever characters it has, can name another worker's deltas hash.
     */
    String workerDeltas(String id) {
        return workerDeltasPrefix() + id;
    }

    String workerDeltasPrefix() {
        return prefix + ":worker-deltas:";
    }

    /** ZSET worker id → expiry (server epoch ms): the index of workers. */
    String workers() {
        return prefix + ":workers";
    }

    /** ZSET worker id → expiry (server epoch ms): the index of a delta's holders. */
    String delta(String digest) {
        return deltaPrefix() + digest;
    }

    String deltaPrefix() {
        return prefix + ":delta:";
    }
}
