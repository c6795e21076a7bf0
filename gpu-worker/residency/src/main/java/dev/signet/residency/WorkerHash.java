package dev.signet.residency;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fields of a worker's Redis hash: its info and load as decimal strings, and its report time as ISO-8601 (exact
 * to the nanosecond, and readable in redis-cli). The id is the key's suffix, not a field.
 */
final class WorkerHash {
    static final String ADDRESS = "address";
    static final String BACKEND = "backend";
    static final String DEVICE_SLOTS = "device_slots";
    static final String HOST_BYTES = "host_bytes";
    static final String MAX_RUNNING = "max_running";
    static final String KV_BLOCKS = "kv_blocks";
    static final String FREE_SLOTS = "free_slots";
    static final String QUEUE_DEPTH = "queue_depth";
    static final String RUNNING = "running";
    static final String KV_USAGE = "kv_usage";
    static final String REPORTED_AT = "reported_at";

    private WorkerHash() {}

    /** Field, value, field, value, … as HSET takes them. */
    static List<String> encode(WorkerReport report) {
        WorkerInfo info = report.info();
        WorkerLoad load = report.load();
        List<String> fields = new ArrayList<>(22);
        put(fields, ADDRESS, info.address());
        put(fields, BACKEND, info.backend());
        put(fields, DEVICE_SLOTS, Integer.toString(info.deviceSlots()));
        put(fields, HOST_BYTES, Long.toString(info.hostBytes()));
        put(fields, MAX_RUNNING, Integer.toString(info.maxRunning()));
        put(fields, KV_BLOCKS, Integer.toString(info.kvBlocks()));
        put(fields, FREE_SLOTS, Integer.toString(load.freeSlots()));
        put(fields, QUEUE_DEPTH, Integer.toString(load.queueDepth()));
        put(fields, RUNNING, Integer.toString(load.running()));
        put(fields, KV_USAGE, Double.toString(load.kvUsage())); // shortest string that parses back to the same double
        put(fields, REPORTED_AT, report.reportedAt().toString());
        return fields;
    }

    static String address(String id, Map<String, String> hash) {
        return field(id, hash, ADDRESS);
    }

    static WorkerInfo info(String id, Map<String, String> hash) {
        return new WorkerInfo(id, field(id, hash, ADDRESS), field(id, hash, BACKEND),
                Integer.parseInt(field(id, hash, DEVICE_SLOTS)), Long.parseLong(field(id, hash, HOST_BYTES)),
                Integer.parseInt(field(id, hash, MAX_RUNNING)), Integer.parseInt(field(id, hash, KV_BLOCKS)));
    }

    static WorkerLoad load(String id, Map<String, String> hash) {
        return new WorkerLoad(Integer.parseInt(field(id, hash, FREE_SLOTS)),
                Integer.parseInt(field(id, hash, QUEUE_DEPTH)), Integer.parseInt(field(id, hash, RUNNING)),
                Double.parseDouble(field(id, hash, KV_USAGE)));
    }

    static Instant reportedAt(String id, Map<String, String> hash) {
        return Instant.parse(field(id, hash, REPORTED_AT));
    }

    private static void put(List<String> fields, String name, String value) {
        fields.add(name);
        fields.add(value);
    }

    private static String field(String id, Map<String, String> hash, String name) {
        String value = hash.get(name);
        if (value == null) {
            // Another writer (an older Signet, a hand edit) left a record this version cannot read.
            throw new IllegalStateException("residency record of worker '" + id + "' has no field '" + name
                    + "'; fields present: " + hash.keySet());
        }
        return value;
    }
}
