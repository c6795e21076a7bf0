package dev.signet.worker.engine;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.backend.cuda.CudaBackend;
import dev.signet.engine.backend.reference.ReferenceBackend;
import dev.signet.engine.bitdelta.BaseDigest;
import dev.signet.engine.deltacache.DeltaCache;
import dev.signet.engine.deltacache.DeltaCacheConfig;
import dev.signet.engine.deltacache.DeltaSource;
import dev.signet.engine.deltacache.DirectoryDeltaSource;
import dev.signet.engine.deltacache.HttpDeltaSource;
import dev.signet.engine.model.LlamaCheckpoint;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.model.ModelOptions;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.scheduler.Scheduler;
import dev.signet.engine.scheduler.SchedulerConfig;
import dev.signet.engine.scheduler.SchedulerState;
import dev.signet.engine.scheduler.StepLoop;
import dev.signet.engine.tokenizer.ChatTemplate;
import dev.signet.worker.api.ApiException;
import dev.signet.worker.config.SignetHome;
import dev.signet.worker.config.WorkerProperties;
import dev.signet.worker.residency.WorkerResidency;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Owns this worker's engine. At start-up a background thread opens the checkpoint, the backend, the model and its KV
 * pool, hashes the base, opens the delta cache over the delta source, loads the Medusa heads ({@link WorkerMedusa}),
 * and starts the scheduler's step loop; until then {@link #require()} answers 503 and {@link ModelHealth} keeps
 * readiness out of service. A model that fails to load (a heads folder that fails its checks included) leaves the
 * worker refusing traffic and liveness DOWN, so an orchestrator restarts it. Shutdown (this lifecycle stops before
 * the web server drains) removes the worker from residency, ends every request with {@code SHUTDOWN}, and closes the
 * heads, cache, model, backend and checkpoint.
 */
@Component
public class WorkerEngine implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(WorkerEngine.class);
    private static final String BUNDLED_MODEL = "models/stories260K";
    private static final String BUNDLED_DELTAS = "models/deltas";
    private static final String BUNDLED_HEADS = "models/medusa/";

    private final WorkerProperties props;
    private final WorkerResidency residency;
    private final Object readiness = new Object();   // orders "loaded" against "stopping"
    private volatile LoadedEngine engine;
    private volatile String loadFailure;
    private volatile boolean running;
    private volatile boolean stopping;

    public WorkerEngine(WorkerProperties props, WorkerResidency residency) {
        this.props = props;
        this.residency = residency;
    }

    /** The engine once loaded; empty while loading, after a failed load and after shutdown. */
    public Optional<LoadedEngine> loaded() {
        return Optional.ofNullable(engine);
    }

    /** The engine, or a 503 that says why there is none. */
    public LoadedEngine require() {
        LoadedEngine e = engine;
        if (e != null) {
            return e;
        }
        if (stopping) {
            throw ApiException.unavailable("the worker is shutting down");
        }
        if (loadFailure != null) {
            throw ApiException.unavailable("the model failed to load: " + loadFailure);
        }
        throw ApiException.unavailable("the model is still loading; readiness turns UP when it is served");
    }

    /** The scheduler after its last step; empty before the model loads. */
    public SchedulerState schedulerState() {
        LoadedEngine e = engine;
        return e == null ? SchedulerState.EMPTY : e.scheduler().state();
    }

    /** {@code loading}, {@code ready}, {@code failed} (the model could not be loaded) or {@code stopped}. */
    public String status() {
        if (stopping) {
            return "stopped";
        }
        return engine != null ? "ready" : loadFailure != null ? "failed" : "loading";
    }

    /** Why the model could not be loaded, if it could not. */
    public Optional<String> loadFailure() {
        return Optional.ofNullable(loadFailure);
    }

    @Override
    public void start() {
        running = true;
        Thread.ofPlatform().name("model-loader").daemon(true).start(this::load);
    }

    private void load() {
        long t0 = System.nanoTime();
        Deque<AutoCloseable> opened = new ArrayDeque<>();   // closed in reverse if a later part fails
        try {
            Path bundledModel = SignetHome.resolve(BUNDLED_MODEL);
            Path modelDir = props.modelDir() != null ? props.modelDir() : bundledModel;
            LlamaCheckpoint checkpoint = LlamaCheckpoint.open(modelDir);
            opened.push(checkpoint);
            ChatTemplate chatTemplate = ChatTemplate.load(modelDir, checkpoint.tokenizer());
            Backend backend = openBackend();
            opened.push(backend);
            LlamaModel model = new LlamaModel(checkpoint, backend,
                    new ModelOptions(props.maxBatchRows(), props.kvBlocks(), props.blockSize()));
            opened.push(model);
            String baseDigest = BaseDigest.of(model.weights());
            DeltaSource source = deltaSource();
            DeltaCache cache = new DeltaCache(model, baseDigest, source, cacheConfig());
            opened.push(cache);
            WorkerMedusa medusa = WorkerMedusa.load(props.medusa(), bundledHeads(modelDir, bundledModel, "stories260K"),
                    bundledDeltaHeads(), model, backend, source);
            opened.push(medusa);
            Scheduler scheduler = new Scheduler(model, checkpoint.tokenizer(), checkpoint.stopTokenIds(),
                    schedulerConfig(medusa), cache, medusa.speculator());
            StepLoop loop = new StepLoop(scheduler, "step-loop").start();
            opened.push(loop);
            LoadedEngine loaded = new LoadedEngine(checkpoint, chatTemplate, backend, model, baseDigest, source, cache, medusa, scheduler, loop);
            synchronized (readiness) {
                if (stopping) {
                    closeAll(opened);
                    return;
                }
                engine = loaded;
            }
            log.info("serving {} ({} layers, base {}) on {} in {} ms; deltas from {}; {}", modelDir, model.config().numLayers(),
                    baseDigest, backend.name(), (System.nanoTime() - t0) / 1_000_000, source.describe(), medusa);
            residency.engineLoaded(loaded);
        } catch (RuntimeException | Error e) {
            closeAll(opened);
            log.error("the model failed to load; the worker refuses traffic", e);
            loadFailure = e.toString();
        }
    }

    /** The bundled heads folder {@code models/medusa/<name>}, when {@code dir} is the bundled {@code bundled} and the folder exists. */
    private static Optional<Path> bundledHeads(Path dir, Path bundled, String name) {
        Path heads = SignetHome.resolve(BUNDLED_HEADS + name);
        return samePath(dir, bundled) && Files.isDirectory(heads) ? Optional.of(heads) : Optional.empty();
    }

    /** caps' bundled heads when deltas come from the bundled folder: the demo tenant with heads of its own. */
    private Map<String, Path> bundledDeltaHeads() {
        if (props.storeUrl() != null) {
            return Map.of();
        }
        Path bundled = SignetHome.resolve(BUNDLED_DELTAS);
        return bundledHeads(props.deltaDir() != null ? props.deltaDir() : bundled, bundled, "caps")
                .map(heads -> Map.of("caps", heads)).orElse(Map.of());
    }

    private static boolean samePath(Path a, Path b) {
        Path x = a.toAbsolutePath().normalize();
        Path y = b.toAbsolutePath().normalize();
        if (x.equals(y)) {
            return true;
        }
        try {
            return Files.exists(x) && Files.exists(y) && Files.isSameFile(x, y);
        } catch (IOException e) {
            return false;
        }
    }

    private SchedulerConfig schedulerConfig(WorkerMedusa medusa) {
        SchedulerConfig config = SchedulerConfig.of(props.maxRunning()).withDraftRows(medusa.draftRows());
        return props.medusa().adaptive() ? config.adaptive() : config;
    }

    private Backend openBackend() {
        return switch (props.backend()) {
            case "cpu" -> new VectorCpuBackend(props.threads() > 0 ? props.threads() : Runtime.getRuntime().availableProcessors());
            case "reference" -> new ReferenceBackend();
            case "cuda" -> new CudaBackend(0, props.kvDtype().equals("f16") ? DType.F16 : DType.F32);
            default -> throw new IllegalArgumentException("unknown backend '" + props.backend() + "' (cpu, cuda, reference)");
        };
    }

    private DeltaSource deltaSource() {
        if (props.storeUrl() != null) {
            return new HttpDeltaSource(props.storeUrl());
        }
        return new DirectoryDeltaSource(props.deltaDir() != null ? props.deltaDir() : SignetHome.resolve(BUNDLED_DELTAS));
    }

    private DeltaCacheConfig cacheConfig() {
        WorkerProperties.Cache c = props.cache();
        Path disk = c.diskDir() != null ? c.diskDir()
                : Path.of(System.getProperty("java.io.tmpdir"), "signet-deltas-" + residency.workerId().replaceAll("[^A-Za-z0-9._-]", "_"));
        return new DeltaCacheConfig(c.deviceSlots(), c.hostBudget().toBytes(), disk, c.diskBudget().toBytes(), c.loaderThreads());
    }

    @Override
    public void stop() {
        LoadedEngine e;
        synchronized (readiness) {
            stopping = true;
            e = engine;
            engine = null;
        }
        residency.close();   // first: the gateway stops routing here before requests are cut off
        if (e != null) {
            Deque<AutoCloseable> parts = new ArrayDeque<>();
            parts.push(e.checkpoint());
            parts.push(e.backend());
            parts.push(e.model());
            parts.push(e.cache());
            parts.push(e.medusa());
            parts.push(e.stepLoop());   // ends every request with SHUTDOWN, then nothing touches the model or the heads
            closeAll(parts);
            log.info("engine closed");
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private static void closeAll(Deque<AutoCloseable> parts) {
        while (!parts.isEmpty()) {
            AutoCloseable part = parts.pop();
            try {
                part.close();
            } catch (Exception e) {
                log.warn("closing {} failed", part.getClass().getSimpleName(), e);
            }
        }
    }
}
