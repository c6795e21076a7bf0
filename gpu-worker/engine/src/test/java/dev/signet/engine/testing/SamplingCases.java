package dev.signet.engine.testing;

import dev.signet.engine.sampling.RowSampling;
import dev.signet.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * Rows of random logits with one sampling setting per row, for checking {@code Backend.sample} against the host
 * sampler: greedy and temperatures 0.3–1.7, top-p 0.1–1.0, top-k off, 1, 40 and past the vocabulary, each row with
 * its own seeded uniform draw. Logits are normal with a spread that makes the distribution peaked or flat; with
 * {@code ties} they are rounded to halves, so many tokens share a weight and the ranking's tie order matters.
 */
public final class SamplingCases {
    private static final float[] TEMPERATURES = {0f, 0.3f, 1f, 1.7f};
    private static final float[] TOP_P = {0.1f, 0.5f, 0.9f, 0.95f, 1f};
    private static final int[] TOP_K = {0, 1, 40, 200_000};

    /** One batch: {@code rows.length} rows of {@code vocab} logits, row-major. */
    public record Batch(int vocab, float[] logits, RowSampling[] rows) {
        public String describe(int row) {
            SamplingParams p = rows[row].params();
            return "vocab " + vocab + " row " + row + " (temperature " + p.temperature() + ", top_k " + p.topK() + ", top_p "
                    + p.topP() + ", uniform " + rows[row].uniform() + ")";
        }
    }

    private SamplingCases() {}

    /** Every setting once (greedy once), on logits and draws from {@code seed}. */
    public static Batch batch(int vocab, long seed, boolean ties) {
        SplittableRandom random = new SplittableRandom(seed);
        List<RowSampling> rows = new ArrayList<>();
        for (float t : TEMPERATURES) {
            for (float p : TOP_P) {
                for (int k : TOP_K) {
                    if (t == 0 && (p != 1f || k != 0)) {
                        continue;  // greedy ignores them
                    }
                    rows.add(new RowSampling(new SamplingParams(t, k, p, OptionalLong.empty(), 1, List.of(), false), random.nextDouble()));
                }
            }
        }
        float[] logits = new float[rows.size() * vocab];
        for (int r = 0; r < rows.size(); r++) {
            double spread = 0.5 + 4 * random.nextDouble();
            for (int i = 0; i < vocab; i++) {
                float x = (float) (gaussian(random) * spread);
                logits[r * vocab + i] = ties ? Math.round(x * 2) / 2f : x;
            }
        }
        return new Batch(vocab, logits, rows.toArray(RowSampling[]::new));
    }

    private static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
