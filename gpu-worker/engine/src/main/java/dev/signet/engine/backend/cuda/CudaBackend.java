package dev.signet.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.BatchLayout;
import dev.signet.engine.backend.DeltaSegment;
import dev.signet.engine.backend.DeltaWeight;
import dev.signet.engine.backend.KvStorage;
import dev.signet.engine.backend.SequenceRows;
import dev.signet.engine.backend.SignMatrix;
import dev.signet.engine.backend.SignPlane;
import dev.signet.engine.backend.Weight;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.safetensors.TensorEntry;
import dev.signet.engine.sampling.RowSampling;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

/**
 * The engine's ops on an NVIDIA GPU through the CUDA driver API (JCuda's binding; kernel launches through the
 * Foreign Function API, {@link CudaKernels}): weights in device memory in their dtype, float32 activations, a paged KV
 * cache in float32 or fp16, every op one or a few kernels of {@code kernels.cu} on the primary context's default
 * stream. Launches are asynchronous; {@link #read} waits for them, so the ops are synchronous as the owner thread sees
 * them, and a kernel's fault surfaces as a {@link jcuda.CudaException} at the next call that synchronizes. Weights,
 * constants, activations and scratch buffers live until the backend closes; KV storage until it or the backend
 * closes; a delta until it is closed (its owner, the delta cache, closes it).
 */
public final class CudaBackend implements Backend {
    private static final int ROW_BLOCK = 256;      // threads per block of the row-wise and elementwise kernels
    private static final int BLOCK_THREADS = 1024; // kernels.cu's BLOCK_THREADS: rmsnorm, rope, write_kv, combine
    private static final int MATMUL_WARPS = 4;     // outputs per matmul block, one per warp
    private static final int MAX_HEAD_DIM = 256;   // kernels.cu's ATTN_MAX_HEAD_DIM
    private static final int ATTENTION_WARPS = 4;  // kernels.cu's ATTN_WARPS
    private static final int[] ROW_TILES = {1, 4, 16};  // the general matmul kernels' row-tile sizes
    private static final int PROJ_TILE_ROWS = 8;         // the tensor-core kernels' n-tile: 8 batch rows
    private static final int PROJ_THREADS = 256;        // kernels.cu's PROJ_WARPS warps
    private static final int PROJ_FUSED = 3;            // weights per tensor-core launch (q, k, v)
    private static final int PROJ_INLINE_ENTRIES = 24;  // kernels.cu's PROJ_INLINE_ENTRIES
    private static final int SIGN_THREADS = 128;        // kernels.cu's SIGN_WARPS warps, 32 outputs each
    private static final int SIGN_BLOCKS_PER_SM = 6;    // proj_sign_terms' blocks a multiprocessor holds (its launch bounds)
    private static final int PROJ_MERGED_PLANES = 2;    // kernels.cu's: a weight's planes the _merged kernels add into W
    private static final int PREPARE_WARPS = 4;         // prepare_groups: one warp per (row, 256-column group)
    private static final int UNQUANTIZED_TO_STOP = 4;   // tensor-core matmuls without quantized x that end a run of them
    private static final int ADAPTIVE_SPLITS = 0;       // attentionSplitKeys: split to fill the GPU
    private static final int MIN_SPLIT_KEYS = 32;       // keys per attention block at least, when splitting to fill
    private static final int SPLIT_BLOCKS_PER_SM = 2;   // attention blocks a step aims at per multiprocessor, when splitting to fill
    private static final long STAGING_BYTES = 8L << 20; // pinned ring for ops' small arguments

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final String deviceName;
    private final CudaKernels kernels;
    private final CudaSampler sampler;
    private final List<AutoCloseable> owned = new ArrayList<>();  // every allocation, freed on close
    private final int multiprocessors;
    private final HostStaging staging;
    private final DeviceScratch indexScratch;     // tokens, positions, row indices
    private final DeviceScratch planeRows;        // the general matmul's [weights, rows, 2] plane ranges
    private final DeviceScratch planeTable;       // the general matmul's [P, 3] planes
    private final DeviceScratch projEntries;      // the tensor-core matmul's [E, 4] sign entries
    private final DeviceScratch layoutScratch;    // the step's attention layout
    private final DeviceScratch attentionSplits;  // [rows, heads, splits, headDim + 2] partials
    private final ProjectionInput input;          // x as the tensor-core matmuls read it
    private final long[] inlineEntries = new long[PROJ_INLINE_ENTRIES * 4];  // a launch's [E, 4] sign entries
    private final long[] mergedPlanes = new long[PROJ_FUSED * PROJ_MERGED_PLANES * 2];  // a _merged launch's [weight, plane] (words, scales)
    private long hostWrites;                      // activations written from the host (with launches: the write stamp)
    private int matmulsWithoutQuantizing = UNQUANTIZED_TO_STOP;  // tensor-core matmuls since the last that quantized x
    private DType projDtype;                      // the last tensor-core matmul's weights' dtype, null before one
    private final int attentionSplitKeys;         // ADAPTIVE_SPLITS or a fixed split size
    private final DType kvDtype;                  // the KV cache's element type: F32 or F16
    private BatchLayout uploadedLayout;  // the layout layoutScratch holds: a step's layers share one upload
    private long layoutAddress;

    /**
     * Opens device {@code ordinal}'s primary context and loads the kernels. Attention splits a row's keys into
     * blocks of {@code attentionSplitKeys} when it has more (flash-decoding); 0 splits them so that a step's blocks
     * fill the GPU (a decode step of few rows has too few (head, row) pairs to, otherwise). The KV cache holds
     * {@code kvDtype}: F32, or F16 for half the memory and half the bytes attention reads (keys and values rounded
     * to fp16 as they are stored, as a server of fp16 models keeps them).
     */
    public CudaBackend(int ordinal, int attentionSplitKeys, DType kvDtype) {
        if (attentionSplitKeys < 0) {
            throw new IllegalArgumentException("attention splits need at least 1 key, got " + attentionSplitKeys);
        }
        if (kvDtype != DType.F32 && kvDtype != DType.F16) {
            throw new IllegalArgumentException("the CUDA KV cache holds F32 or F16, not " + kvDtype);
        }
        this.kvDtype = kvDtype;
        CudaAvailability.unavailableReason().ifPresent(why -> {
            throw new IllegalStateException("the CUDA backend cannot start: " + why);
        });
        this.attentionSplitKeys = attentionSplitKeys;
        JCudaDriver.setExceptionsEnabled(true);
        cuDeviceGet(device, ordinal);
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, device);
        this.deviceName = new String(name, StandardCharsets.US_ASCII).trim().replace("\0", "");
        int[] major = new int[1];
        cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
        int[] sms = new int[1];
        cuDeviceGetAttribute(sms, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
        this.multiprocessors = sms[0];
        cuDevicePrimaryCtxRetain(context, device);
        cuCtxSetCurrent(context);
        this.kernels = new CudaKernels(major[0]);
        this.staging = new HostStaging(STAGING_BYTES);
        this.indexScratch = new DeviceScratch(staging);
        this.planeRows = new DeviceScratch(staging);
        this.planeTable = new DeviceScratch(staging);
        this.projEntries = new DeviceScratch(staging);
        this.layoutScratch = new DeviceScratch(staging);
        this.attentionSplits = new DeviceScratch(staging);
        this.input = new ProjectionInput(staging);
        this.sampler = own(new CudaSampler(kernels, staging));
    }

    public CudaBackend(int ordinal, int attentionSplitKeys) {
        this(ordinal, attentionSplitKeys, DType.F32);
    }

    public CudaBackend(int ordinal, DType kvDtype) {
        this(ordinal, ADAPTIVE_SPLITS, kvDtype);
    }

    public CudaBackend(int ordinal) {
        this(ordinal, ADAPTIVE_SPLITS);
    }

    public CudaBackend() {
        this(0);
    }

    @Override
    public String name() {
        return "cuda";
    }

    /** The GPU's name and the PTX target loaded, e.g. "NVIDIA H100 80GB HBM3 (sm_90)". */
    public String description() {
        return deviceName + " (" + kernels.target() + ")";
    }

    /** The KV cache's element type: F32 or F16. */
    public DType kvDtype() {
        return kvDtype;
    }

    /** Binds the context to the calling thread: the owner thread may not be the one that opened the backend. */
    private void bind() {
        cuCtxSetCurrent(context);
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    // ---------------------------------------------------------------------------------------------- memory

    @Override
    public Weight weight(TensorEntry t) {
        if (t.rank() < 1 || t.rank() > 2) {
            throw new IllegalArgumentException(t.name() + ": a weight is a matrix or a vector, not " + t.shapeString());
        }
        if (!t.dtype().isWeightType()) {
            throw new IllegalArgumentException(t.name() + ": weights must be F32, F16 or BF16, not " + t.dtype());
        }
        int rows = t.rank() == 2 ? Math.toIntExact(t.dim(0)) : 1;
        int cols = Math.toIntExact(t.dim(t.rank() - 1));
        return new CudaWeight(t.name(), t.dtype(), rows, cols, own(upload(t.data())));
    }

    @Override
    public Weight constant(String name, float[] values) {
        bind();
        DeviceMemory m = own(new DeviceMemory((long) values.length * Float.BYTES));
        cuMemcpyHtoD(m.pointer(), Pointer.to(values), m.bytes());
        return new CudaWeight(name, DType.F32, 1, values.length, m);
    }

    /**
     * Copies host bytes (a file mapping's slice, or any segment) to a new device allocation, in chunks below 2 GiB.
     * The caller owns the allocation.
     */
    private DeviceMemory upload(MemorySegment data) {
        bind();
        DeviceMemory m = new DeviceMemory(data.byteSize());
        long chunk = 1L << 30;
        try (Arena staging = Arena.ofConfined()) {
            // JCuda copies from direct buffers: a heap segment (rare: mappings and arenas are native) is staged off-heap.
            MemorySegment src = data.isNative() ? data : staging.allocate(data.byteSize(), 64).copyFrom(data);
            for (long at = 0; at < src.byteSize(); at += chunk) {
                long n = Math.min(chunk, src.byteSize() - at);
                cuMemcpyHtoD(m.pointer(at), Pointer.to(src.asSlice(at, n).asByteBuffer()), n);
            }
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** The planes' device memory belongs to the returned delta: closing it frees them (a tenant's eviction). */
    @Override
    public DeltaWeight delta(SignMatrix matrix) {
        List<CudaDeltaWeight.Plane> planes = new ArrayList<>();
        CudaDeltaWeight delta = new CudaDeltaWeight(matrix.name(), matrix.rows(), matrix.cols(), planes);
        try {
            for (SignPlane p : matrix.planes()) {
                DeviceMemory words = upload(p.words());
                int layout = CudaDeltaWeight.ARTIFACT_LAYOUT;
                if (CudaDeltaWeight.tensorShaped(matrix.rows(), matrix.cols())) {
                    words = toTensorLayout(words, matrix.rows(), matrix.cols());
                    layout = CudaDeltaWeight.TENSOR_LAYOUT;
                }
                DeviceMemory scales = new DeviceMemory((long) p.scales().length * Float.BYTES);
                planes.add(new CudaDeltaWeight.Plane(words, scales, layout));
                cuMemcpyHtoD(scales.pointer(), Pointer.to(p.scales()), scales.bytes());
            }
        } catch (RuntimeException e) {
            delta.close();
            throw e;
        }
        return delta;
    }

    /** A copy of artifact-layout sign words in the tensor-core layout; the original is freed. */
    private DeviceMemory toTensorLayout(DeviceMemory artifact, int rows, int cols) {
        try (artifact) {
            DeviceMemory tensor = new DeviceMemory(artifact.bytes());
            long words = artifact.bytes() / Integer.BYTES;
            kernels.launch("signs_to_tensor_layout", ceilDiv(words, ROW_BLOCK), 1, ROW_BLOCK, artifact.address(),
                    tensor.address(), rows, cols);
            cuCtxSynchronize();  // before the source is freed
            return tensor;
        }
    }

    @Override
    public Activations activations(int rows, int cols) {
        bind();
        return new CudaActivations(rows, cols, own(new DeviceMemory((long) rows * cols * Float.BYTES)));
    }

    /** Freed by closing it (a pool is tens of GB), else when the backend closes. */
    @Override
    public KvStorage kvStorage(int layers, int slots, int kvDim) {
        bind();
        return own(CudaKvStorage.allocate(layers, slots, kvDim, kvDtype));
    }

    @Override
    public void write(float[] src, int rows, Activations dst) {
        CudaActivations d = (CudaActivations) dst;
        long bytes = hostCopyBytes(src, rows, d);
        bind();
        cuMemcpyHtoD(d.memory().pointer(), Pointer.to(src), bytes);
        hostWrites++;
    }

    @Override
    public void read(Activations src, int rows, float[] dst) {
        CudaActivations s = (CudaActivations) src;
        long bytes = hostCopyBytes(dst, rows, s);
        bind();
        cuMemcpyDtoH(Pointer.to(dst), s.memory().pointer(), bytes);  // waits for every kernel before it
    }

    /** Picks each row's token on the device ({@link CudaSampler}): only the ids come back, not the logits. */
    @Override
    public int[] sample(Activations logits, int rows, RowSampling[] params) {
        bind();
        return sampler.sample((CudaActivations) logits, rows, params);
    }

    @Override
    public boolean samplesOnDevice() {
        return true;
    }

    /** The bytes of {@code rows} rows of the buffer, after checking they fit both it and the host array. */
    private static long hostCopyBytes(float[] host, int rows, CudaActivations device) {
        device.checkRows(rows);
        long n = (long) rows * device.cols();
        if (host.length < n) {
            throw new IllegalArgumentException("a host array of " + host.length + " floats does not fit " + rows + " rows of " + device.cols());
        }
        return n * Float.BYTES;
    }

    // ---------------------------------------------------------------------------------------------- ops

    @Override
    public void embed(Weight table, int[] tokens, int rows, Activations out) {
        CudaWeight w = (CudaWeight) table;
        CudaActivations o = (CudaActivations) out;
        o.checkRows(rows);
        for (int r = 0; r < rows; r++) {
            if (tokens[r] < 0 || tokens[r] >= w.rows()) {
                throw new IllegalArgumentException("token id " + tokens[r] + " is outside the vocabulary of " + w.rows());
            }
        }
        if (rows == 0) {
            return;
        }
        bind();
        long ids = indexScratch.upload(Arrays.copyOf(tokens, rows));
        kernels.launch("embed_" + w.kernelSuffix(), rows, 1, ROW_BLOCK, w.memory().address(), ids, w.cols(), o.address());
    }

    @Override
    public void rmsNorm(Activations x, Weight gain, float eps, int rows, Activations out) {
        norm((CudaActivations) x, null, gain, eps, rows, (CudaActivations) out);
    }

    @Override
    public void addRmsNorm(Activations acc, Activations x, Weight gain, float eps, int rows, Activations out) {
        norm((CudaActivations) acc, (CudaActivations) x, gain, eps, rows, (CudaActivations) out);
    }

    /** {@code out = rmsNorm(in)}, after {@code in += addend} when addend is not null: one launch. */
    private void norm(CudaActivations in, CudaActivations addend, Weight gain, float eps, int rows, CudaActivations out) {
        CudaWeight g = (CudaWeight) gain;
        in.checkRows(rows);
        out.checkRows(rows);
        if (addend != null) {
            addend.checkRows(rows);
        }
        if (out.cols() != in.cols() || g.cols() != in.cols() || (addend != null && addend.cols() != in.cols())) {
            throw new IllegalArgumentException("rmsNorm of rows of " + in.cols() + " with gain " + g.name() + " of "
                    + g.cols() + " into rows of " + out.cols() + (addend == null ? "" : ", adding rows of " + addend.cols()));
        }
        if (rows == 0) {
            return;
        }
        bind();
        // Once tensor-core matmuls run, the output is also prepared for the next one (ProjectionInput).
        boolean prepare = preparesInputs(out);
        boolean quantize = prepare && quantizingSignTerms();
        long xh = prepare ? input.reserve(rows, out.cols()) : 0L;
        kernels.launch("rmsnorm_" + g.kernelSuffix(), rows, 1, BLOCK_THREADS, in.address(),
                addend == null ? 0L : addend.address(), g.memory().address(), eps, in.cols(), out.address(), xh,
                ProjectionInput.bf16(projDtype), quantize ? ProjectionInput.quantizedAt(xh, rows, out.cols()) : 0L,
                quantize ? ProjectionInput.statsAt(xh, rows, out.cols()) : 0L);
        if (prepare) {
            input.hold(out, rows, writeStamp(), projDtype, quantize);
        }
    }

    /**
     * Whether an op that writes x also leaves it as the next tensor-core matmul reads it (in the last one's dtype):
     * x of tensor shape once such matmuls run.
     */
    private boolean preparesInputs(CudaActivations x) {
        return projDtype != null && x.cols() % 256 == 0;
    }

    /**
     * Whether tenants' sign terms on quantized x are running: a tensor-core matmul took such terms within the last
     * UNQUANTIZED_TO_STOP (the LM head, which has none, does not end a run of tenant steps; a layer of base-only
     * matmuls, or of one tenant's merged ones, does).
     */
    private boolean quantizingSignTerms() {
        return matmulsWithoutQuantizing < UNQUANTIZED_TO_STOP;
    }

    /**
     * Changes whenever a kernel may have written device memory or the host has written activations. Every write to
     * activations must count here (a launch through {@code kernels}, or {@code hostWrites}): ProjectionInput trusts
     * an unchanged stamp to mean unchanged activations.
     */
    private long writeStamp() {
        return kernels.launches() + hostWrites;
    }

    /**
     * f16/bf16 weights of tensor-core shape (cols % 256 == 0, rows % 16 == 0) go to the {@code proj_*} kernels, up
     * to three per launch (q, k, v; gate, up), each reading its base weight once per 32 rows and each distinct
     * tenant's signs once; the rest (f32, other shapes) to the exact general kernel, one launch per weight.
     * The tables of the rows' sign planes are queued to the device without waiting for it.
     */
    @Override
    public void matmul(Activations x, int rows, Weight[] ws, Activations[] outs, List<DeltaSegment> segments) {
        CudaActivations in = (CudaActivations) x;
        in.checkRows(rows);
        DeltaSegment.check(rows, ws, segments);
        List<Integer> tensor = new ArrayList<>();
        List<Integer> general = new ArrayList<>();
        for (int k = 0; k < ws.length; k++) {
            CudaWeight w = (CudaWeight) ws[k];
            CudaActivations o = (CudaActivations) outs[k];
            if (w.cols() != in.cols() || o.cols() != w.rows()) {
                throw new IllegalArgumentException("weight " + w.name() + " [" + w.rows() + ", " + w.cols()
                        + "] does not map rows of " + in.cols() + " to rows of " + o.cols());
            }
            o.checkRows(rows);
            boolean tensorShaped = w.dtype() != DType.F32 && CudaDeltaWeight.tensorShaped(w.rows(), w.cols());
            (tensorShaped ? tensor : general).add(k);
        }
        if (rows == 0) {
            return;
        }
        bind();
        if (!general.isEmpty()) {
            generalMatmul(in, rows, ws, outs, segments, general);
        }
        if (!tensor.isEmpty()) {
            tensorMatmul(in, rows, ws, outs, segments, tensor);
        }
    }

    /** The general kernel: per weight, each row's (first plane, count) into a [P, 3] table of planes. */
    private void generalMatmul(CudaActivations in, int rows, Weight[] ws, Activations[] outs, List<DeltaSegment> segments,
                               List<Integer> which) {
        int[] rowPlanes = new int[which.size() * 2 * rows];
        List<Long> table = new ArrayList<>();
        boolean[] hasDelta = new boolean[which.size()];
        for (int i = 0; i < which.size(); i++) {
            for (DeltaSegment seg : segments) {
                CudaDeltaWeight d = (CudaDeltaWeight) seg.deltas()[which.get(i)];
                if (d == null) {
                    continue;
                }
                hasDelta[i] = true;
                int first = table.size() / 3;
                for (CudaDeltaWeight.Plane p : d.planes()) {
                    table.addAll(List.of(p.words().address(), p.scales().address(), (long) p.layout()));
                }
                for (int r = seg.firstRow(); r < seg.firstRow() + seg.rowCount(); r++) {
                    rowPlanes[(i * rows + r) * 2] = first;
                    rowPlanes[(i * rows + r) * 2 + 1] = d.planes().size();
                }
            }
        }
        long rowPlanesAt = 0;
        long tableAt = 0;
        if (!table.isEmpty()) {
            rowPlanesAt = planeRows.upload(rowPlanes);
            tableAt = planeTable.upload(table.stream().mapToLong(Long::longValue).toArray());
        }
        for (int i = 0; i < which.size(); i++) {
            CudaWeight w = (CudaWeight) ws[which.get(i)];
            CudaActivations o = (CudaActivations) outs[which.get(i)];
            int vec = w.cols() % 8 == 0 ? 8 : 1;  // 16-byte loads need rows that start 16-byte aligned
            String kernel = "matmul_" + w.kernelSuffix() + "_v" + vec + "_r" + rowTile(rows);
            long planesOfW = hasDelta[i] ? rowPlanesAt + (long) i * 2 * rows * Integer.BYTES : 0L;
            long tableOfW = hasDelta[i] ? tableAt : 0L;
            kernels.launch(kernel, ceilDiv(w.rows(), MATMUL_WARPS), 1, 32 * MATMUL_WARPS, w.memory().address(),
                    in.address(), o.address(), rows, w.cols(), w.rows(), planesOfW, tableOfW);
        }
    }

    /**
     * The tensor-core kernels: one [E, 4] table (words, scales, first row, row count) of every segment's planes
     * for every weight, then launches of up to PROJ_FUSED weights of one dtype: the base term, then the tenants'
     * sign terms (proj_sign_terms) naming their run of entries. Up to PROJ_INLINE_ENTRIES entries travel in the
     * launches' parameters; more go to the device as a table (a copy between two kernels, which idles the GPU for
     * about 2 µs). One tenant on every row, with at most PROJ_MERGED_PLANES planes a weight, goes to the kernels that
     * add its planes into W's fragments (the base term's mma then does all: no sign term, no quantized x).
     */
    private void tensorMatmul(CudaActivations in, int rows, Weight[] ws, Activations[] outs, List<DeltaSegment> segments,
                              List<Integer> which) {
        int nTiles = rows <= PROJ_TILE_ROWS ? 1 : rows <= 2 * PROJ_TILE_ROWS ? 2 : 4;
        int passes = ceilDiv(rows, PROJ_TILE_ROWS * nTiles);
        LongStream.Builder entries = LongStream.builder();
        int[] first = new int[ws.length];
        int[] count = new int[ws.length];
        int[] segmentsOf = new int[ws.length];  // segments with planes of the weight: proj_sign_terms' walks of its outputs
        int total = 0;
        int mostPlanes = 0;  // of one weight
        for (int k : which) {
            first[k] = total;
            for (DeltaSegment seg : segments) {
                CudaDeltaWeight d = (CudaDeltaWeight) seg.deltas()[k];
                segmentsOf[k] += d == null || d.planes().isEmpty() ? 0 : 1;
                for (CudaDeltaWeight.Plane p : d == null ? List.<CudaDeltaWeight.Plane>of() : d.planes()) {
                    entries.add(p.words().address()).add(p.scales().address()).add(seg.firstRow()).add(seg.rowCount());
                    total++;
                }
            }
            count[k] = total - first[k];
            mostPlanes = Math.max(mostPlanes, count[k]);
        }
        long entriesAt = 0L;
        boolean merged = total > 0 && segments.size() == 1 && segments.getFirst().rowCount() == rows
                && mostPlanes <= PROJ_MERGED_PLANES;
        boolean quantize = total > 0 && !merged;
        matmulsWithoutQuantizing = quantize ? 0 : Math.min(matmulsWithoutQuantizing + 1, UNQUANTIZED_TO_STOP);
        // The entries go in the launch's parameters when they fit (kernels.cu, ProjTable), else as a table.
        long[] table = entries.build().toArray();
        if (total <= PROJ_INLINE_ENTRIES) {
            System.arraycopy(table, 0, inlineEntries, 0, table.length);
            Arrays.fill(inlineEntries, table.length, inlineEntries.length, 0L);
        } else {
            entriesAt = projEntries.upload(table);
            Arrays.fill(inlineEntries, 0L);  // unread, but a launch's parameters stay a function of this call
        }
        for (int at = 0; at < which.size(); ) {
            CudaWeight lead = (CudaWeight) ws[which.get(at)];
            long xh = preparedInput(in, rows, lead.dtype(), quantize);
            List<Object> args = new ArrayList<>(List.of(xh, quantize ? ProjectionInput.quantizedAt(xh, rows, in.cols()) : 0L,
                    quantize ? ProjectionInput.statsAt(xh, rows, in.cols()) : 0L, rows, in.cols(), entriesAt));
            int fused = 0;
            int widest = 0;
            int mostEntries = 0;  // of one weight of the launch
            int signBlocks = 0;   // proj_sign_terms' blocks that have a segment to walk, at one warp per 32 outputs
            Arrays.fill(mergedPlanes, 0L);
            for (; fused < PROJ_FUSED && at < which.size() && ((CudaWeight) ws[which.get(at)]).dtype() == lead.dtype(); fused++, at++) {
                int k = which.get(at);
                CudaWeight w = (CudaWeight) ws[k];
                args.addAll(List.of(w.memory().address(), ((CudaActivations) outs[k]).address(), w.rows(), first[k], count[k]));
                widest = Math.max(widest, w.rows());
                mostEntries = Math.max(mostEntries, count[k]);
                signBlocks += ceilDiv(ceilDiv(w.rows(), 32), SIGN_THREADS / 32) * segmentsOf[k];
                for (int p = 0; merged && p < count[k]; p++) {
                    mergedPlanes[(fused * PROJ_MERGED_PLANES + p) * 2] = table[4 * (first[k] + p)];
                    mergedPlanes[(fused * PROJ_MERGED_PLANES + p) * 2 + 1] = table[4 * (first[k] + p) + 1];
                }
            }
            for (int unused = fused; unused < PROJ_FUSED; unused++) {
                args.addAll(List.of(0L, 0L, 0, 0, 0));
            }
            String kernel = "proj_" + lead.kernelSuffix() + "_n" + nTiles + (merged ? "_merged" : "_base");
            if (merged) {
                args.add(mergedPlanes);  // the _merged kernels take their planes alone
            }
            kernels.launchGrid3(kernel, widest / 16, fused, passes, PROJ_THREADS, args.toArray());
            if (quantize && mostEntries > 0) {
                int mostRows = segments.stream().mapToInt(DeltaSegment::rowCount).max().orElse(0);
                int splitWarps = signSplitWarps(signBlocks, mostRows <= 2 ? SIGN_THREADS / 32 : 2);
                args.add(inlineEntries);
                args.add(splitWarps);
                kernels.launchGrid3("proj_sign_terms", ceilDiv(ceilDiv(widest, 32), SIGN_THREADS / 32 / splitWarps), fused,
                        mostEntries, SIGN_THREADS, args.toArray());
            }
        }
    }

    /**
     * The warps of a proj_sign_terms block that split one segment's 32 outputs' columns (1, 2 or 4, at most
     * {@code most}): more while the launch's {@code signBlocks} blocks at one warp each would leave multiprocessors'
     * block slots empty. A walk of every column is one warp's 2 groups of sign words in flight, so a launch of few
     * walks (a 7B o or down projection over 8 tenants: 256 blocks for 132 × 6 slots) is bound by its loads' latency,
     * not by DRAM. Four warps pay for segments of 1 or 2 rows only (on the H100, side by side with at most two: 8 rows
     * over 8 tenants 8.65 → 8.60 ms; 32 rows over 8, 4 rows each, 11.69 → 11.82).
     */
    private int signSplitWarps(int signBlocks, int most) {
        int warps = 1;
        while (warps < most && (long) signBlocks * warps < (long) SIGN_BLOCKS_PER_SM * multiprocessors) {
            warps *= 2;
        }
        return warps;
    }

    /**
     * x as a tensor-core matmul of {@code dtype} weights reads it (quantized too for sign terms): as the op before
     * left it, or prepared here. Its address; later ops that make x prepare it in this dtype.
     */
    private long preparedInput(CudaActivations in, int rows, DType dtype, boolean quantize) {
        projDtype = dtype;
        long xh = input.reusable(in, rows, writeStamp(), dtype, quantize);
        if (xh == 0L) {
            xh = input.reserve(rows, in.cols());
            int warps = rows * (in.cols() / 256);
            kernels.launch("prepare_groups", ceilDiv(warps, PREPARE_WARPS), 1, 32 * PREPARE_WARPS, in.address(), rows,
                    in.cols(), xh, ProjectionInput.bf16(dtype), quantize ? ProjectionInput.quantizedAt(xh, rows, in.cols()) : 0L,
                    quantize ? ProjectionInput.statsAt(xh, rows, in.cols()) : 0L);
            input.hold(in, rows, writeStamp(), dtype, quantize);
        }
        return xh;
    }

    /** The smallest compiled row tile that holds {@code rows} rows (32 for more: they are done in passes of 32). */
    private static int rowTile(int rows) {
        for (int tile : ROW_TILES) {
            if (rows <= tile) {
                return tile;
            }
        }
        return ROW_TILES[ROW_TILES.length - 1];
    }

    @Override
    public void rotaryTable(Weight invFreq, int[] positions, int rows, Activations table) {
        CudaWeight f = (CudaWeight) invFreq;
        CudaActivations t = (CudaActivations) table;
        t.checkRows(rows);
        if (f.dtype() != DType.F32 || t.cols() != 2 * f.cols()) {
            throw new IllegalArgumentException("a rotary table of width " + t.cols() + " needs F32 inverse frequencies of "
                    + t.cols() / 2 + ", got " + f.dtype() + " of " + f.cols());
        }
        if (rows == 0) {
            return;
        }
        bind();
        long pos = indexScratch.upload(Arrays.copyOf(positions, rows));
        kernels.launch("rotary_table", rows, 1, ROW_BLOCK, f.memory().address(), pos, f.cols(), t.address());
    }

    @Override
    public void rope(Activations q, Activations k, int headDim, Activations table, int rows) {
        CudaActivations t = (CudaActivations) table;
        if (t.cols() != headDim) {
            throw new IllegalArgumentException("a rotary table of width " + t.cols() + " does not fit heads of " + headDim);
        }
        if (rows == 0) {
            return;
        }
        CudaActivations cq = (CudaActivations) q;
        CudaActivations ck = (CudaActivations) k;
        cq.checkRows(rows);
        ck.checkRows(rows);
        bind();
        kernels.launch("rope", rows, 2, BLOCK_THREADS, cq.address(), cq.cols(), ck.address(), ck.cols(), headDim,
                t.address());
    }

    @Override
    public void attention(KvStorage storage, int layer, Activations q, Activations k, Activations v, int heads, int kvHeads,
                          int headDim, BatchLayout layout, Activations out) {
        CudaKvStorage kv = (CudaKvStorage) storage;
        int rows = layout.rows();
        if (headDim > MAX_HEAD_DIM || headDim % 4 != 0 || heads % kvHeads != 0 || kv.kvDim() != kvHeads * headDim) {
            throw new IllegalArgumentException("attention of " + heads + " heads over " + kvHeads + " KV heads of "
                    + headDim + " (a multiple of 4, at most " + MAX_HEAD_DIM + ") does not fit a cache of width "
                    + kv.kvDim());
        }
        for (Activations a : new Activations[] {q, k, v, out}) {
            ((CudaActivations) a).checkRows(rows);
        }
        if (rows == 0) {
            return;
        }
        bind();
        long meta = layoutAddress(layout);
        long slots = meta + 4L * rows * Integer.BYTES;
        kernels.launch(kv.writeKernel(), rows, 1, BLOCK_THREADS, ((CudaActivations) k).address(), ((CudaActivations) v).address(),
                slots, kv.kvDim(), kv.keysAddress(layer), kv.valuesAddress(layer));
        int maxKeys = layout.sequences().stream().mapToInt(seq -> seq.startPosition() + seq.rowCount()).max().orElse(1);
        int splitKeys = attentionSplitKeys == ADAPTIVE_SPLITS ? fillingSplitKeys(maxKeys, heads * rows) : attentionSplitKeys;
        int splits = ceilDiv(maxKeys, splitKeys);
        long partial = splits > 1 ? attentionSplits.reserve((long) rows * heads * splits * (headDim + 2) * Float.BYTES) : 0L;
        CudaActivations o = (CudaActivations) out;
        // Without sign terms on quantized x, the output is also left in the weights' dtype for the o projection
        // (ProjectionInput); with them, that projection prepares its x itself, quantizing it too.
        boolean prepare = preparesInputs(o) && o.cols() == heads * headDim && !quantizingSignTerms();
        long oh = prepare ? input.reserve(rows, o.cols()) : 0L;
        int bf16 = ProjectionInput.bf16(projDtype);
        kernels.launchGrid3(kv.attentionKernel(headDim), heads, rows, splits, 32 * ATTENTION_WARPS, ((CudaActivations) q).address(),
                kv.keysAddress(layer), kv.valuesAddress(layer), meta, heads, kvHeads, headDim, layout.blockSize(),
                (float) (1.0 / Math.sqrt(headDim)), splits > 1 ? splitKeys : maxKeys, partial, o.address(), oh, bf16);
        if (splits > 1) {
            kernels.launch("attention_combine", heads, rows, BLOCK_THREADS, partial, splits, heads, headDim, o.address(), oh, bf16);
        }
        if (prepare) {
            input.hold(o, rows, writeStamp(), projDtype, false);
        }
    }

    /**
     * Keys per attention block so that (head, row) pairs times splits make about SPLIT_BLOCKS_PER_SM blocks per
     * multiprocessor, never fewer than MIN_SPLIT_KEYS keys a block (each warp then still walks a few). On the H100 at KV
     * 512, 2 against 8: 8 rows 6.36 → 6.25 ms a step (2 splits instead of 5), 32 rows 13.8 → 12.95 (no split, so no
     * combine), 1 row 5.31 → 5.34 (9 splits instead of 16); 1 was slower at 8 rows (6.66).
     */
    private int fillingSplitKeys(int maxKeys, int headRows) {
        int splits = Math.max(1, ceilDiv((long) SPLIT_BLOCKS_PER_SM * multiprocessors, headRows));
        return Math.max(MIN_SPLIT_KEYS, ceilDiv(maxKeys, splits));
    }

    /**
     * The layout as kernels.cu's attention reads it: per row (start position, chunk row, block-table offset,
     * parents offset or -1), then the rows' KV slots, then each sequence's block table and parents. Uploaded
     * once per step: the layers of a forward pass share the same layout object.
     */
    private long layoutAddress(BatchLayout layout) {
        if (layout == uploadedLayout) {
            return layoutAddress;
        }
        int rows = layout.rows();
        int size = 5 * rows;
        for (SequenceRows seq : layout.sequences()) {
            size += seq.blockTable().length + (seq.isTree() ? seq.rowCount() : 0);
        }
        int[] meta = new int[size];
        System.arraycopy(layout.slots(), 0, meta, 4 * rows, rows);
        int at = 5 * rows;
        for (SequenceRows seq : layout.sequences()) {
            int tableAt = at;
            System.arraycopy(seq.blockTable(), 0, meta, at, seq.blockTable().length);
            at += seq.blockTable().length;
            int parentsAt = -1;
            if (seq.isTree()) {
                parentsAt = at;
                System.arraycopy(seq.parents(), 0, meta, at, seq.rowCount());
                at += seq.rowCount();
            }
            for (int i = 0; i < seq.rowCount(); i++) {
                int r = seq.firstRow() + i;
                if (r < 0 || r >= rows) {
                    throw new IllegalArgumentException("sequence row " + r + " is outside the step's " + rows + " rows");
                }
                meta[4 * r] = seq.startPosition();
                meta[4 * r + 1] = i;
                meta[4 * r + 2] = tableAt;
                meta[4 * r + 3] = parentsAt;
            }
        }
        layoutAddress = layoutScratch.upload(meta);
        uploadedLayout = layout;
        return layoutAddress;
    }

    @Override
    public void swiglu(Activations gate, Activations up, int rows) {
        CudaActivations g = (CudaActivations) gate;
        if (!preparesInputs(g) || rows == 0) {
            elementwise("swiglu", gate, rows, ((CudaActivations) up).address());
            return;
        }
        // Once tensor-core matmuls run, the result is also prepared for the down projection (ProjectionInput).
        g.checkRows(rows);
        bind();
        boolean quantize = quantizingSignTerms();
        long xh = input.reserve(rows, g.cols());
        int groups = rows * (g.cols() / 256);
        kernels.launch("swiglu_prepare", ceilDiv(groups, PREPARE_WARPS), 1, 32 * PREPARE_WARPS, g.address(),
                ((CudaActivations) up).address(), (long) rows * g.cols(), xh, ProjectionInput.bf16(projDtype),
                quantize ? ProjectionInput.quantizedAt(xh, rows, g.cols()) : 0L,
                quantize ? ProjectionInput.statsAt(xh, rows, g.cols()) : 0L);
        input.hold(g, rows, writeStamp(), projDtype, quantize);
    }

    @Override
    public void add(Activations acc, Activations x, int rows) {
        elementwise("add", acc, rows, ((CudaActivations) x).address());
    }

    @Override
    public void silu(Activations x, int rows) {
        CudaActivations a = (CudaActivations) x;
        a.checkRows(rows);
        long n = (long) rows * a.cols();
        if (n > 0) {
            bind();
            kernels.launch("silu", gridFor(n), 1, ROW_BLOCK, a.address(), n);
        }
    }

    /** {@code name(a, other, n)} over the leading rows of a. */
    private void elementwise(String name, Activations target, int rows, long other) {
        CudaActivations a = (CudaActivations) target;
        a.checkRows(rows);
        long n = (long) rows * a.cols();
        if (n > 0) {
            bind();
            kernels.launch(name, gridFor(n), 1, ROW_BLOCK, a.address(), other, n);
        }
    }

    @Override
    public void addBias(Activations x, Weight bias, int rows) {
        CudaActivations a = (CudaActivations) x;
        CudaWeight b = (CudaWeight) bias;
        a.checkRows(rows);
        if (b.rows() != 1 || b.cols() != a.cols()) {
            throw new IllegalArgumentException("bias " + b.name() + " [" + b.rows() + ", " + b.cols() + "] does not fit rows of " + a.cols());
        }
        long n = (long) rows * a.cols();
        if (n > 0) {
            bind();
            kernels.launch("add_bias_" + b.kernelSuffix(), gridFor(n), 1, ROW_BLOCK, a.address(), b.memory().address(), a.cols(), n);
        }
    }

    @Override
    public void gatherRows(Activations src, int[] rowIndices, Activations dst) {
        moveRows("gather_rows", src, rowIndices, dst, (CudaActivations) src);
    }

    @Override
    public void scatterRows(Activations src, int[] rowIndices, Activations dst) {
        moveRows("scatter_rows", src, rowIndices, dst, (CudaActivations) dst);
    }

    /** Row copies through an index list; {@code indexed} is the buffer the indices point into. */
    private void moveRows(String kernel, Activations src, int[] rowIndices, Activations dst, CudaActivations indexed) {
        CudaActivations s = (CudaActivations) src;
        CudaActivations d = (CudaActivations) dst;
        if (s.cols() != d.cols()) {
            throw new IllegalArgumentException("rows of " + s.cols() + " cannot be copied into rows of " + d.cols());
        }
        (indexed == s ? d : s).checkRows(rowIndices.length);
        for (int i : rowIndices) {
            if (i < 0 || i >= indexed.capacityRows()) {
                throw new IllegalArgumentException("row index " + i + " is outside a buffer of " + indexed.capacityRows() + " rows");
            }
        }
        if (rowIndices.length == 0) {
            return;
        }
        bind();
        long idx = indexScratch.upload(rowIndices);
        kernels.launch(kernel, rowIndices.length, 1, ROW_BLOCK, s.address(), idx, s.cols(), d.address());
    }

    @Override
    public void copyKv(KvStorage storage, int[] from, int[] to) {
        CudaKvStorage kv = (CudaKvStorage) storage;
        if (from.length != to.length) {
            throw new IllegalArgumentException(from.length + " source slots for " + to.length + " target slots");
        }
        for (int i = 0; i < from.length; i++) {
            if (from[i] < 0 || from[i] >= kv.slots() || to[i] < 0 || to[i] >= kv.slots()) {
                throw new IllegalArgumentException("KV copy " + from[i] + " -> " + to[i] + " is outside " + kv.slots() + " slots");
            }
        }
        if (from.length == 0) {
            return;
        }
        bind();
        int[] both = Arrays.copyOf(from, 2 * from.length);
        System.arraycopy(to, 0, both, from.length, to.length);
        long at = indexScratch.upload(both);
        int unit = kv.rowBytes() % Integer.BYTES == 0 ? Integer.BYTES : Short.BYTES;  // a row is whole units
        kernels.launch(unit == Integer.BYTES ? "copy_kv_u32" : "copy_kv_u16", kv.layers(), 2, ROW_BLOCK, kv.keysAddress(0),
                kv.valuesAddress(0), kv.layerBytes() / unit, (int) (kv.rowBytes() / unit), at,
                at + (long) from.length * Integer.BYTES, from.length);
    }

    private static int gridFor(long n) {
        return (int) Math.min(ceilDiv(n, ROW_BLOCK), 8192);
    }

    private static int ceilDiv(long n, int d) {
        return Math.toIntExact((n + d - 1) / d);
    }

    // ---------------------------------------------------------------------------------------------- synthetic models

    /**
     * An fp16 weight {@code [rows, cols]} of values uniform in [-scale, scale), made on the device (a synthetic 7B
     * model's 13 GB never touch the host). Reproducible for a seed; freed when the backend closes.
     */
    public Weight randomF16Weight(String name, int rows, int cols, long seed, float scale) {
        bind();
        long n = (long) rows * cols;
        DeviceMemory m = own(new DeviceMemory(n * 2));
        kernels.launch("fill_random_f16", gridFor(n), 1, ROW_BLOCK, m.address(), n, seed, scale);
        return new CudaWeight(name, DType.F16, rows, cols, m);
    }

    /**
     * A one-plane sign delta for a {@code [rows, cols]} weight with random signs, made on the device, every row's
     * scale {@code scale}. The caller closes it (as the delta cache does a tenant's).
     */
    public DeltaWeight randomDelta(String name, int rows, int cols, long seed, float scale) {
        bind();
        long words = (long) rows * ((cols + 31) / 32);
        DeviceMemory signs = new DeviceMemory(words * Integer.BYTES);
        DeviceMemory scales = new DeviceMemory((long) rows * Float.BYTES);
        kernels.launch("fill_random_u32", gridFor(words), 1, ROW_BLOCK, signs.address(), words, seed);
        float[] s = new float[rows];
        Arrays.fill(s, scale);
        cuMemcpyHtoD(scales.pointer(), Pointer.to(s), scales.bytes());
        int layout = CudaDeltaWeight.tensorShaped(rows, cols) ? CudaDeltaWeight.TENSOR_LAYOUT : CudaDeltaWeight.ARTIFACT_LAYOUT;
        return new CudaDeltaWeight(name, rows, cols, List.of(new CudaDeltaWeight.Plane(signs, scales, layout)));
    }

    /**
     * The device's memory bandwidth as a device-to-device copy of {@code bytes} (bytes read plus bytes written per
     * second, STREAM's "copy", as {@code MemoryBandwidth} counts it on the host): best of {@code repeats} after one
     * untimed copy, timed with cuCtxSynchronize on both sides.
     */
    public double copyBandwidth(long bytes, int repeats) {
        bind();
        try (DeviceMemory src = new DeviceMemory(bytes); DeviceMemory dst = new DeviceMemory(bytes)) {
            double best = 0;
            for (int i = 0; i <= repeats; i++) {
                cuCtxSynchronize();
                long t0 = System.nanoTime();
                cuMemcpyDtoD(dst.pointer(), src.pointer(), bytes);
                cuCtxSynchronize();
                long t = System.nanoTime() - t0;
                if (i > 0) {
                    best = Math.max(best, 2.0 * bytes / (t / 1e9));
                }
            }
            return best;
        }
    }

    /** Waits for every kernel issued so far (benchmarks time with it). */
    public void synchronize() {
        bind();
        cuCtxSynchronize();
    }

    @Override
    public void close() {
        bind();
        cuCtxSynchronize();
        RuntimeException failure = null;
        List<AutoCloseable> all = new ArrayList<>(owned);
        all.addAll(List.of(indexScratch, planeRows, planeTable, projEntries, layoutScratch, attentionSplits, input, staging,
                kernels));
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("freeing the CUDA backend's memory failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        owned.clear();
        cuDevicePrimaryCtxRelease(device);
        if (failure != null) {
            throw failure;
        }
    }
}
