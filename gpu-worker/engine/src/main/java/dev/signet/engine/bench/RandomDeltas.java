package dev.signet.engine.bench;

import dev.signet.engine.backend.SignMatrix;
import dev.signet.engine.backend.SignPlane;
import dev.signet.engine.model.LayerWeights;
import dev.signet.engine.model.LlamaWeights;
import dev.signet.engine.model.ModelDelta;
import dev.signet.engine.safetensors.TensorEntry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Synthetic tenants for benchmarks: the bytes and the work of a real one-bit delta, without its training. */
public final class RandomDeltas {
    private RandomDeltas() {}

    /** Random sign planes for every projection of the base, one small scale per row; bits live in {@code arena}. */
    public static ModelDelta of(String id, LlamaWeights weights, Arena arena, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, SignMatrix> projections = new LinkedHashMap<>();
        for (LayerWeights l : weights.layers()) {
            for (TensorEntry t : List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down())) {
                int rows = Math.toIntExact(t.dim(0));
                int cols = Math.toIntExact(t.dim(1));
                int words = SignPlane.wordsPerRow(cols);
                MemorySegment bits = arena.allocate((long) rows * words * Integer.BYTES, 64);
                for (long i = 0; i < (long) rows * words; i++) {
                    int w = rng.nextInt();
                    // Bits past the last column stay zero, as the format requires.
                    bits.setAtIndex(ValueLayout.JAVA_INT, i, cols % 32 != 0 && i % words == words - 1 ? w & ((1 << (cols % 32)) - 1) : w);
                }
                float[] scales = new float[rows];
                Arrays.fill(scales, 1e-3f);
                projections.put(t.name(), new SignMatrix(t.name(), rows, cols, List.of(new SignPlane(bits, scales))));
            }
        }
        return new ModelDelta(id, projections, Map.of());
    }
}
