package dev.signet.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.BackendContract;
import dev.signet.engine.backend.BatchLayout;
import dev.signet.engine.backend.DeltaSegment;
import dev.signet.engine.backend.DeltaWeight;
import dev.signet.engine.backend.SequenceRows;
import dev.signet.engine.kv.KvCachePool;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.backend.Weight;
import dev.signet.engine.safetensors.DType;
import dev.signet.engine.testing.RandomTensors;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every kernel against the plain-Java reference on random inputs, outputs poisoned with NaN before each run
 * (the whole {@link BackendContract}). f32 weights, and f16/bf16 weights of shapes the tensor-core kernels do
 * not take, are exact in float32 (1e-5). The tensor-core projections take activations in fp16 (bf16 for bf16
 * weights) for the base term and in int8 per 256-column group for the sign term, so f16/bf16 matmuls are held to
 * the 1e-2. Skipped without a GPU.
 */
class CudaBackendTest extends BackendContract {

    @Override
    protected Backend openCandidate() {
        GpuAssumption.requireGpu();
        return new CudaBackend();
    }

    @Override
    protected double tolerance(DType dtype) {
        return dtype == DType.F32 ? tolerance() : 1e-2;
    }

    /** Lanes read K and V as float4s: a head size that is not a multiple of 4 is refused before anything runs. */
    @Test
    void attentionRefusesHeadSizesNotAMultipleOfFour() {
        GpuAssumption.requireGpu();
        try (CudaBackend b = new CudaBackend()) {
            KvCachePool pool = new KvCachePool(b, 1, 2 * 6, 8, 4);
            KvSequence seq = new KvSequence();
            pool.reserve(seq, 1);
            BatchLayout layout = BatchLayout.of(4, List.of(new SequenceRows(0, 1, 0, seq.blockTable())), new int[][] {{0}});
            Activations q = b.activations(1, 4 * 6);
            Activations kv = b.activations(1, 2 * 6);
            assertThrows(IllegalArgumentException.class,
                    () -> b.attention(pool.storage(), 0, q, kv, kv, 4, 2, 6, layout, b.activations(1, 4 * 6)));
        }
    }

    /**
     * A block of the fused projection keeps the sign planes that meet its rows in shared memory (kernels.cu,
     * PROJ_BLOCK_ENTRIES = 128): 32 one-row tenants of 5 planes each meet one 32-row pass with 160, refused before
     * anything runs.
     */
    @Test
    void projectionRefusesMoreSignPlanesThanABlockHolds() {
        GpuAssumption.requireGpu();
        int rows = 32;
        int in = 256;
        try (Arena arena = Arena.ofConfined(); CudaBackend b = new CudaBackend()) {
            RandomTensors random = new RandomTensors(arena, 7);
            Weight[] w = {b.weight(random.tensor("w", DType.F16, 16, in, 1f))};
            Activations x = b.activations(rows, in);
            Activations out = b.activations(rows, 16);
            List<DeltaSegment> segments = new ArrayList<>();
            for (int r = 0; r < rows; r++) {
                segments.add(new DeltaSegment(r, 1, new DeltaWeight[] {b.delta(random.signMatrix("w", 16, in, 5))}));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.matmul(x, rows, w, new Activations[] {out}, segments));
            assertTrue(e.getMessage().contains("more than 128 sign planes"), e.getMessage());
        }
    }
}
