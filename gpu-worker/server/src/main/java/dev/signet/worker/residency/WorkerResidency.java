package dev.signet.worker.residency;

import dev.signet.engine.deltacache.CachedDelta;
import dev.signet.engine.scheduler.SchedulerState;
import dev.signet.residency.ResidencyRegistry;
import dev.signet.residency.ResidencyReporter;
import dev.signet.residency.Tier;
import dev.signet.residency.WorkerInfo;
import dev.signet.residency.WorkerLoad;
import dev.signet.residency.WorkerReport;
import dev.signet.worker.config.WorkerProperties;
import dev.signet.worker.engine.LoadedEngine;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * This worker's identity and its residency reports. Once the web server has its port and the model has loaded, a
 * {@link ResidencyReporter} publishes the worker's {@link WorkerReport} (its info, its load from the scheduler and
 * the cache's free device slots, the deltas it holds with their tiers) every heartbeat and soon after every change
 * of the delta cache. {@link #close()} stops it and removes the worker from the registry.
 */
@Component
public class WorkerResidency {
    private static final Logger log = LoggerFactory.getLogger(WorkerResidency.class);

    private final WorkerProperties props;
    private final ResidencyRegistry registry;
    private final String hostname = hostname();
    private volatile int port = -1;
    private volatile LoadedEngine engine;
    private ResidencyReporter reporter;   // guarded by this
    private boolean closed;               // guarded by this

    public WorkerResidency(WorkerProperties props, ResidencyRegistry registry) {
        this.props = props;
        this.registry = registry;
    }

    /** The main server's port (the management server, in its own child context, has a namespace). */
    @EventListener
    void onWebServer(WebServerInitializedEvent event) {
        if (event.getApplicationContext().getServerNamespace() == null) {
            port = event.getWebServer().getPort();
            startWhenReady();
        }
    }

    /** The model is served: reports can start. */
    public void engineLoaded(LoadedEngine loaded) {
        engine = loaded;
        startWhenReady();
    }

    private synchronized void startWhenReady() {
        LoadedEngine e = engine;
        if (closed || reporter != null || e == null || port < 0) {
            return;
        }
        WorkerProperties.Residency r = props.residency();
        reporter = new ResidencyReporter(registry, this::report, r.heartbeatInterval(), r.heartbeatTtl());
        e.cache().addListener(reporter::changed);
        reporter.start();
        log.info("worker {} at {} reports residency to {} every {}", workerId(), address(),
                r.usesRedis() ? "Redis" : "this process", r.heartbeatInterval());
    }

    /** Stops the heartbeat and removes this worker from the registry at once. */
    public synchronized void close() {
        closed = true;
        if (reporter != null) {
            reporter.close();
            reporter = null;
        }
    }

    /** {@code signet.worker.worker-id}, else {@code <hostname>:<server port>}. */
    public String workerId() {
        if (props.workerId() != null && !props.workerId().isBlank()) {
            return props.workerId();
        }
        return port < 0 ? hostname : hostname + ":" + port;
    }

    /** Where the gateway reaches this worker: {@code signet.worker.advertised-address}, else {@code http://<hostname>:<port>}. */
    public String address() {
        if (props.advertisedAddress() != null && !props.advertisedAddress().isBlank()) {
            return props.advertisedAddress();
        }
        return "http://" + hostname + ":" + Math.max(port, 0);
    }

    /** What this worker is and can hold. */
    public WorkerInfo info() {
        LoadedEngine e = engine;
        String backend = e != null ? e.backend().name() : props.backend();
        return new WorkerInfo(workerId(), address(), backend, props.cache().deviceSlots(), props.cache().hostBudget().toBytes(),
                props.maxRunning(), props.kvBlocks());
    }

    /** The report as of now: info, load, and every delta held with its best tier. */
    public WorkerReport report() {
        LoadedEngine e = engine;
        SchedulerState s = e == null ? SchedulerState.EMPTY : e.scheduler().state();
        List<CachedDelta> entries = e == null ? List.of() : e.cache().entries();
        int freeSlots = e == null ? 0 : Math.max(0, e.cache().freeDeviceSlots());
        WorkerLoad load = new WorkerLoad(freeSlots, s.waiting(), s.running(), Math.clamp(s.kvUsage(), 0.0, 1.0));
        Map<String, Tier> deltas = new LinkedHashMap<>();
        for (CachedDelta d : entries) {
            deltas.merge(d.digest(), tierOf(d), (a, b) -> a.compareTo(b) <= 0 ? a : b);
        }
        return new WorkerReport(info(), load, deltas, Instant.now());
    }

    /** The engine's cache tier as residency names it: the two enums list the same tiers in the same order. */
    public static Tier tierOf(CachedDelta delta) {
        return Tier.valueOf(delta.tier().name());
    }

    private static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
