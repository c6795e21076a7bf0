package dev.signet.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signet.engine.backend.Activations;
import dev.signet.engine.backend.Backend;
import dev.signet.engine.backend.BackendContract;
import dev.signet.engine.backend.BatchLayout;
import dev.signet.engine.backend.SequenceRows;
import dev.signet.engine.kv.KvCachePool;
import dev.signet.engine.kv.KvSequence;
import dev.signet.engine.safetensors.DType;
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
}
