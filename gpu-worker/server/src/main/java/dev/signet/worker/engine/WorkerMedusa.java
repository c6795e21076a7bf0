package dev.signet.worker.engine;

import dev.signet.engine.backend.Backend;
import dev.signet.engine.deltacache.DeltaSource;
import dev.signet.engine.deltacache.DirectoryDeltaSource;
import dev.signet.engine.medusa.MedusaHeads;
import dev.signet.engine.medusa.MedusaSpeculator;
import dev.signet.engine.medusa.MedusaSpeculator.Drafter;
import dev.signet.engine.medusa.MedusaSpeculator.SampledVerification;
import dev.signet.engine.medusa.MedusaTree;
import dev.signet.engine.model.LlamaModel;
import dev.signet.engine.scheduler.Speculator;
import dev.signet.worker.config.WorkerProperties;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The Medusa heads a worker drafts with, loaded with its model ({@code signet.worker.medusa.*}): the base's heads and
 * each delta's, by the delta's sha256 digest, the {@link Speculator} over them and the rows a step gives to trees.
 * A folder named by several entries is opened once. Closing it closes every heads file; the scheduler must have
 * stopped using them.
 */
public final class WorkerMedusa implements AutoCloseable {
    /**
     * One set of heads as {@code /v1/state} shows it: its folder, heads, ResBlocks per head, whether they end in the
     * serving model's lm_head, and the nodes and depth of the full tree they draft (trimmed per step to the rows granted).
     */
    public record Heads(String dir, int heads, int layers, boolean sharesLmHead, int treeNodes, int treeDepth) {
        static Heads of(Path dir, Drafter d) {
            return new Heads(dir.toString(), d.heads().count(), d.heads().config().numLayers(), d.heads().sharesLmHead(),
                    d.tree().size(), d.tree().maxDepth());
        }
    }

    private final WorkerProperties.Medusa config;
    private final Speculator speculator;
    private final Heads base;                  // null: the base has no heads
    private final Map<String, Heads> deltas;   // by digest
    private final List<MedusaHeads> opened;

    private WorkerMedusa(WorkerProperties.Medusa config, Speculator speculator, Heads base, Map<String, Heads> deltas,
                         List<MedusaHeads> opened) {
        this.config = config;
        this.speculator = speculator;
        this.base = base;
        this.deltas = Collections.unmodifiableMap(new TreeMap<>(deltas));
        this.opened = List.copyOf(opened);
    }

    /**
     * Loads the heads {@code config} names for {@code model} on {@code backend}. {@code baseDefault} and
     * {@code deltasDefault} are the folders that apply when {@code base} and {@code deltas} are unset (the bundled
     * demo's, when the worker serves it). Delta names are looked up in {@code source}, which must then be a folder
     * of artifacts. A heads folder that fails its checks throws the engine's
     * {@link dev.signet.engine.medusa.MedusaFormatException}, with nothing left open.
     */
    static WorkerMedusa load(WorkerProperties.Medusa config, Optional<Path> baseDefault, Map<String, Path> deltasDefault,
                             LlamaModel model, Backend backend, DeltaSource source) {
        if (!config.speculates()) {
            return new WorkerMedusa(config, Speculator.NONE, null, Map.of(), List.of());
        }
        Path baseDir = config.base() == null ? baseDefault.orElse(null) : folder(config.base());
        Map<String, Path> deltaDirs = deltaFolders(config.deltas() == null ? deltasDefault : configured(config.deltas()), source);

        Map<Path, Drafter> byFolder = new HashMap<>();
        List<MedusaHeads> opened = new ArrayList<>();
        try {
            Drafter baseDrafter = baseDir == null ? null : drafter(baseDir, model, backend, byFolder, opened);
            Map<String, Drafter> tenantDrafters = new LinkedHashMap<>();
            Map<String, Heads> tenantHeads = new LinkedHashMap<>();
            deltaDirs.forEach((digest, dir) -> {
                Drafter d = drafter(dir, model, backend, byFolder, opened);
                tenantDrafters.put(digest, d);
                tenantHeads.put(digest, Heads.of(normal(dir), d));
            });
            if (baseDrafter == null && tenantDrafters.isEmpty()) {
                return new WorkerMedusa(config, Speculator.NONE, null, Map.of(), List.of());
            }
            SampledVerification sampled = SampledVerification.valueOf(config.verification().toUpperCase(Locale.ROOT));
            Speculator speculator = new MedusaSpeculator(model, baseDrafter, tenantDrafters, config.tenantsUseBaseHeads(), sampled);
            return new WorkerMedusa(config, speculator, baseDrafter == null ? null : Heads.of(normal(baseDir), baseDrafter),
                    tenantHeads, opened);
        } catch (RuntimeException | Error e) {
            opened.forEach(MedusaHeads::close);
            throw e;
        }
    }

    private static Drafter drafter(Path dir, LlamaModel model, Backend backend, Map<Path, Drafter> byFolder, List<MedusaHeads> opened) {
        Path key = normal(dir);
        Drafter d = byFolder.get(key);
        if (d == null) {
            MedusaHeads heads = MedusaHeads.load(key, model.config(), backend);
            opened.add(heads);
            d = new Drafter(heads, MedusaTree.standard(heads.count()));
            byFolder.put(key, d);
        }
        return d;
    }

    private static Path folder(String value) {
        return WorkerProperties.Medusa.NONE.equals(value) ? null : Path.of(value);
    }

    private static Map<String, Path> configured(Map<String, String> deltas) {
        Map<String, Path> dirs = new TreeMap<>();
        deltas.forEach((key, value) -> {
            Path dir = folder(value);
            if (dir != null) {
                dirs.put(key, dir);
            }
        });
        return dirs;
    }

    /** Keys (digests, or names in the delta folder) resolved to digests. */
    private static Map<String, Path> deltaFolders(Map<String, Path> byKey, DeltaSource source) {
        Map<String, Path> byDigest = new TreeMap<>();
        Map<String, String> keyOf = new HashMap<>();
        Map<String, String> names = null;
        for (var e : new TreeMap<>(byKey).entrySet()) {
            String key = e.getKey();
            String digest = key;
            if (!WorkerProperties.Medusa.isDigest(key)) {
                if (!(source instanceof DirectoryDeltaSource dir)) {
                    throw new IllegalArgumentException("signet.worker.medusa.deltas: '" + key + "' is a delta's name, but deltas come"
                            + " from " + source.describe() + ", which has no names: give the delta's sha256 digest");
                }
                if (names == null) {
                    names = dir.digestsByName();
                }
                digest = names.get(key);
                if (digest == null) {
                    throw new IllegalArgumentException("signet.worker.medusa.deltas: no delta named '" + key + "' in "
                            + source.describe() + " (it holds " + names.keySet() + ")");
                }
            }
            String earlier = keyOf.putIfAbsent(digest, key);
            if (earlier != null) {
                throw new IllegalArgumentException("signet.worker.medusa.deltas: '" + earlier + "' and '" + key
                        + "' are the same delta " + digest);
            }
            byDigest.put(digest, e.getValue());
        }
        return byDigest;
    }

    private static Path normal(Path p) {
        return p.toAbsolutePath().normalize();
    }

    /** What the scheduler drafts with; {@link Speculator#NONE} when nothing has heads or speculation is off. */
    public Speculator speculator() {
        return speculator;
    }

    /** Whether any model has heads and speculation is on. */
    public boolean active() {
        return speculator != Speculator.NONE;
    }

    /** The scheduler's spare rows for trees: {@code draft-rows}, or 0 when nothing speculates. */
    public int draftRows() {
        return active() ? config.draftRows() : 0;
    }

    public WorkerProperties.Medusa config() {
        return config;
    }

    /** The base's heads, if it has any. */
    public Optional<Heads> base() {
        return Optional.ofNullable(base);
    }

    /** Deltas with heads of their own, by digest. */
    public Map<String, Heads> deltas() {
        return deltas;
    }

    /** The deepest tree any heads draft: the positions accepted tokens can take. */
    public int maxDepth() {
        int depth = base == null ? 0 : base.treeDepth();
        for (Heads h : deltas.values()) {
            depth = Math.max(depth, h.treeDepth());
        }
        return active() ? depth : 0;
    }

    @Override
    public void close() {
        for (MedusaHeads h : opened) {
            h.close();
        }
    }

    @Override
    public String toString() {
        if (!active()) {
            return "no Medusa speculation";
        }
        return "Medusa heads for " + (base != null ? "the base" + (deltas.isEmpty() ? "" : " and ") : "")
                + (deltas.isEmpty() ? "" : deltas.size() + (deltas.size() == 1 ? " delta" : " deltas"))
                + " (" + config.draftRows() + " draft rows, " + config.verification() + " verification"
                + (config.tenantsUseBaseHeads() && base != null ? ", other deltas draft with the base's heads" : "") + ")";
    }
}
