package dev.signet.residency;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ResidencyRegistry} in Redis (standalone or behind Sentinel, 7.0 or newer), shared by the workers and the
 * gateways of a deployment; docs/residency.md describes the keys. Every call is one Lua script, so a publish replaces a
 * report atomically and a read sees whole reports, and all expiries are on the Redis server's clock. Calls block for
 * at most {@link #COMMAND_TIMEOUT}. The connection is opened on first use and Lettuce reconnects it after a drop, so a
 * worker that starts while Redis is down, or outlives a Redis restart, registers once Redis answers again.
 */
public final class RedisResidencyRegistry implements ResidencyRegistry {

    public static final String DEFAULT_PREFIX = "signet";

    /** The longest a call waits for Redis: a heartbeat or a routing decision must not hang on it. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    private static final RedisScript PUBLISH = RedisScript.load("publish.lua");
    private static final RedisScript REMOVE = RedisScript.load("remove.lua");
    private static final RedisScript WORKERS = RedisScript.load("workers.lua");
    private static final RedisScript HOLDERS = RedisScript.load("holders.lua");

    private final RedisClient client;
    private final ClientResources ownedResources; // null when the caller lent the client, and so owns it
    private final RedisKeys keys;
    private StatefulRedisConnection<String, String> connection; // guarded by this; opened on first use
    private boolean closed; // guarded by this

    /** A registry on its own client for {@code redisUrl} (e.g. {@code redis://host:6379/0}), keys under {@value #DEFAULT_PREFIX}. */
    public RedisResidencyRegistry(String redisUrl) {
        this(redisUrl, DEFAULT_PREFIX);
    }

    /** A registry on its own client for {@code redisUrl}, keys under {@code keyPrefix}; {@link #close()} shuts the client down. */
    public RedisResidencyRegistry(String redisUrl, String keyPrefix) {
        RedisURI uri = parse(redisUrl);
        this.keys = new RedisKeys(keyPrefix);
        // Lettuce backs off up to 30 s between reconnects by default; a worker should be routable again within about a
        // heartbeat of Redis coming back, so the backoff stops at 1 s (one cheap connect attempt a second while down).
        this.ownedResources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(ownedResources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // While disconnected, fail at once instead of buffering: a buffered heartbeat would run late, after
                // newer ones; the reporter simply publishes again at its next beat.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(COMMAND_TIMEOUT).build())
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
    }

    /**
     * A registry on a client the caller configured and keeps owning ({@link #close()} closes only this registry's
     * connection). Its reconnect and disconnected-command options are the caller's; the command timeout is still
     * {@link #COMMAND_TIMEOUT}.
     */
    public RedisResidencyRegistry(RedisClient client, String keyPrefix) {
        this.client = Objects.requireNonNull(client, "client");
        this.keys = new RedisKeys(keyPrefix);
        this.ownedResources = null;
    }

    @Override
    public void publish(WorkerReport report, Duration ttl) {
        Objects.requireNonNull(report, "report");
        long ttlMillis = Expiry.millis(ttl);
        String id = report.workerId();
        List<String> hash = WorkerHash.encode(report);
        List<String> args = new ArrayList<>(4 + hash.size() + 2 * report.deltas().size());
        args.add(Long.toString(ttlMillis));
        args.add(id);
        args.add(keys.deltaPrefix());
        args.add(Integer.toString(hash.size()));
        args.addAll(hash);
        report.deltas().forEach((digest, tier) -> {
            args.add(digest);
            args.add(tier.label());
        });
        PUBLISH.run(redis(), ScriptOutputType.INTEGER, workerKeys(id), args.toArray(String[]::new));
    }

    @Override
    public void remove(String workerId) {
        WorkerInfo.requireId(workerId);
        REMOVE.run(redis(), ScriptOutputType.INTEGER, workerKeys(workerId), workerId, keys.deltaPrefix());
    }

    @Override
    public List<WorkerReport> workers() {
        List<Object> rows = WORKERS.run(redis(), ScriptOutputType.MULTI, new String[] {keys.workers()},
                keys.workerPrefix(), keys.workerDeltasPrefix());
        List<WorkerReport> reports = new ArrayList<>(rows.size());
        for (Object row : rows) {
            List<?> fields = (List<?>) row; // {id, worker hash pairs, deltas hash pairs}
            String id = (String) fields.get(0);
            Map<String, String> hash = pairs(fields.get(1));
            Map<String, Tier> deltas = new HashMap<>();
            pairs(fields.get(2)).forEach((digest, tier) -> deltas.put(digest, Tier.ofLabel(tier)));
            reports.add(new WorkerReport(WorkerHash.info(id, hash), WorkerHash.load(id, hash), deltas,
                    WorkerHash.reportedAt(id, hash)));
        }
        return reports;
    }

    @Override
    public List<DeltaHolder> holders(String delta) {
        DeltaDigest.require(delta);
        List<Object> rows = HOLDERS.run(redis(), ScriptOutputType.MULTI, new String[] {keys.delta(delta)}, delta,
                keys.workerPrefix(), keys.workerDeltasPrefix());
        List<DeltaHolder> holders = new ArrayList<>(rows.size());
        for (Object row : rows) {
            List<?> fields = (List<?>) row; // {id, worker hash pairs, tier}
            String id = (String) fields.get(0);
            Map<String, String> hash = pairs(fields.get(1));
            holders.add(new DeltaHolder(id, WorkerHash.address(id, hash), Tier.ofLabel((String) fields.get(2)),
                    WorkerHash.load(id, hash)));
        }
        holders.sort(DeltaHolder.BEST_FIRST);
        return holders;
    }

    /** Closes the connection, and the client too when this registry created it. Later calls fail. */
    @Override
    public void close() {
        StatefulRedisConnection<String, String> open;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            open = connection;
            connection = null;
        }
        if (open != null) {
            open.close();
        }
        if (ownedResources != null) {
            client.shutdown(Duration.ZERO, COMMAND_TIMEOUT);
            ownedResources.shutdown(0, COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The connection's commands, connecting first if no connection was ever made (Redis may have been down then). */
    private synchronized RedisCommands<String, String> redis() {
        if (closed) {
            throw new IllegalStateException("residency registry for " + keys.prefix() + ":* is closed");
        }
        if (connection == null) {
            StatefulRedisConnection<String, String> opened = client.connect(StringCodec.UTF8);
            opened.setTimeout(COMMAND_TIMEOUT);
            connection = opened;
        }
        return connection.sync();
    }

    private String[] workerKeys(String id) {
        return new String[] {keys.worker(id), keys.workerDeltas(id), keys.workers()};
    }

    /** A Redis field/value reply list as a map. */
    private static Map<String, String> pairs(Object reply) {
        List<?> flat = (List<?>) reply;
        Map<String, String> map = new HashMap<>(flat.size());
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            map.put((String) flat.get(i), (String) flat.get(i + 1));
        }
        return map;
    }

    private static RedisURI parse(String redisUrl) {
        if (redisUrl == null || redisUrl.isBlank()) {
            throw new IllegalArgumentException("Redis URL must not be blank (e.g. redis://localhost:6379)");
        }
        try {
            return RedisURI.create(redisUrl);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a Redis URL: '" + redisUrl + "' (e.g. redis://localhost:6379): "
                    + e.getMessage(), e);
        }
    }
}
