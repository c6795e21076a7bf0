package dev.signet.engine.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token of one sequence from its logits: argmax when greedy, otherwise temperature, then
 * top-k, then top-p (nucleus), the order of Hugging Face's logits warpers, then a draw from the seeded
 * generator. Each sequence has its own sampler, so a seed reproduces its tokens whatever else is batched.
 */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;
    private float[] probs = new float[0];
    /** Candidates as (probability bits << 32 | ~index): larger key = more probable, then lower id. */
    private long[] keys = new long[0];

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed().orElseGet(() -> new SplittableRandom().nextLong()));
    }

    /** Chooses a token from {@code logits[offset .. offset + vocab)}. */
    public int sample(float[] logits, int offset, int vocab) {
        if (params.isGreedy()) {
            int best = argmax(logits, offset, vocab);
            if (!Float.isFinite(logits[offset + best])) {
                throw new IllegalStateException("logits are not finite: the model produced NaN or infinity");
            }
            return best;
        }
        if (probs.length < vocab) {
            probs = new float[vocab];
            keys = new long[vocab];
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        if (!Float.isFinite(max)) {
            throw new IllegalStateException("logits are not finite (largest " + max + "): the model produced NaN or infinity");
        }
        double total = 0;
        float invT = 1f / params.temperature();
        for (int i = 0; i < vocab; i++) {
            float p = (float) Math.exp((logits[offset + i] - max) * invT);
            probs[i] = p;
            total += p;
        }
        if (params.topK() == 0 && params.topP() == 1f) {
            return drawFromAll(vocab, total);
        }
        return drawFromNucleus(vocab, total);
    }

    /** Index of the largest value; the first one on ties, as torch.argmax. */
    public static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        float bestValue = logits[offset];
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > bestValue) {
                bestValue = logits[offset + i];
                best = i;
            }
        }
        return best;
    }

    private int drawFromAll(int vocab, double total) {
        double u = random.nextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < vocab; i++) {
            cumulative += probs[i];
            if (u < cumulative) {
                return i;
            }
        }
        return Sampler.argmax(probs, 0, vocab);
    }

    /**
     * Top-k, then top-p over what top-k kept (Hugging Face's warper order). Without top-k, tokens below
     * (1 - p) / (n - 1) of the total mass are dropped before sorting (llama2.c's cut): all of them together
     * hold less than 1 - p, so the nucleus, measured against the total, is complete among the rest.
     */
    private int drawFromNucleus(int vocab, double total) {
        float topP = params.topP();
        boolean topK = params.topK() > 0;
        double cutoff = !topK && vocab > 1 ? (1 - topP) / (vocab - 1) * total : 0;
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            if (probs[i] > 0 && probs[i] >= cutoff) {
                keys[n++] = ((long) Float.floatToRawIntBits(probs[i]) << 32) | (~i & 0xFFFFFFFFL);
            }
        }
        int k = topK ? Math.min(params.topK(), n) : n;
        sortLargestFirst(n, k);
        double mass = total;
        if (topK) {
            mass = 0;
            for (int i = 0; i < k; i++) {
                mass += probability(keys[i]);
            }
        }
        int cut = k;
        if (topP < 1f) {
            // The smallest prefix whose mass reaches p of the mass in play; at least one token.
            double cumulative = 0;
            for (int i = 0; i < k; i++) {
                cumulative += probability(keys[i]);
                if (cumulative >= topP * mass) {
                    cut = i + 1;
                    break;
                }
            }
        }
        double kept = 0;
        for (int i = 0; i < cut; i++) {
            kept += probability(keys[i]);
        }
        double u = random.nextDouble() * kept;
        double cumulative = 0;
        for (int i = 0; i < cut; i++) {
            cumulative += probability(keys[i]);
            if (u < cumulative) {
                return token(keys[i]);
            }
        }
        return token(keys[cut - 1]);
    }

    /** Puts the k largest of {@code keys[0..n)} first, in descending order. */
    private void sortLargestFirst(int n, int k) {
        if (k < n / 8) {
            // Min-heap of the k largest seen so far: O(n log k) for a small top-k over a large vocabulary.
            long[] heap = Arrays.copyOf(keys, k);
            for (int i = k / 2 - 1; i >= 0; i--) {
                siftDown(heap, i, k);
            }
            for (int i = k; i < n; i++) {
                if (keys[i] > heap[0]) {
                    heap[0] = keys[i];
                    siftDown(heap, 0, k);
                }
            }
            System.arraycopy(heap, 0, keys, 0, k);
            n = k;
        }
        Arrays.sort(keys, 0, n);
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            long t = keys[i];
            keys[i] = keys[j];
            keys[j] = t;
        }
    }

    private static void siftDown(long[] heap, int i, int size) {
        while (true) {
            int smallest = i;
            int l = 2 * i + 1;
            int r = l + 1;
            if (l < size && heap[l] < heap[smallest]) {
                smallest = l;
            }
            if (r < size && heap[r] < heap[smallest]) {
                smallest = r;
            }
            if (smallest == i) {
                return;
            }
            long t = heap[i];
            heap[i] = heap[smallest];
            heap[smallest] = t;
            i = smallest;
        }
    }

    private static float probability(long key) {
        return Float.intBitsToFloat((int) (key >>> 32));
    }

    private static int token(long key) {
        return ~(int) key;
    }
}
