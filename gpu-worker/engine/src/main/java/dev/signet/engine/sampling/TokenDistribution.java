package dev.signet.engine.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The distribution one request draws its next token from: softmax(logits / temperature), then top-k, then
 * top-p (Hugging Face's warper order), kept as unnormalised weights; greedy requests get a point mass on the
 * argmax. Besides drawing, it answers the probability of a token and can {@linkplain #exclude exclude} one and
 * renormalise, which is what speculative verification needs (a rejected draft is removed and the rest
 * re-drawn). One instance per sequence: it reuses its buffers from one token to the next.
 */
public final class TokenDistribution {
    private final SamplingParams params;
    private float[] weights = new float[0];  // (vocab) exp((logit - max) / T); 0 once excluded
    /** Candidates as (weight bits << 32 | ~index): larger key = more probable, then lower id. */
    private long[] keys = new long[0];
    private int vocab;
    /** Tokens in play are keys[0 .. kept) in descending order, or every token when {@code kept < 0}. */
    private int kept;
    /** Greedy: the argmax, the one token in play (-1 once excluded); the buffers above stay unused. */
    private int pointMass = -1;
    private double mass;    // sum of the weights in play
    private int remaining;  // tokens in play with a positive weight

    public TokenDistribution(SamplingParams params) {
        this.params = params;
    }

    /** Sets this distribution from {@code logits[offset .. offset + vocab)}. */
    public void set(float[] logits, int offset, int vocab) {
        this.vocab = vocab;
        if (params.isGreedy()) {
            int best = Sampler.argmax(logits, offset, vocab);
            if (!Float.isFinite(logits[offset + best])) {
                throw new IllegalStateException("logits are not finite: the model produced NaN or infinity");
            }
            pointMass = best;
            mass = 1;
            remaining = 1;
            return;
        }
        if (weights.length < vocab) {
            weights = new float[vocab];
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
        int positive = 0;
        float invT = 1f / params.temperature();
        for (int i = 0; i < vocab; i++) {
            float p = (float) Math.exp((logits[offset + i] - max) * invT);
            weights[i] = p;
            total += p;
            if (p > 0) {
                positive++;
            }
        }
        if (params.topK() == 0 && params.topP() == 1f) {
            kept = -1;
            mass = total;
            remaining = positive;
            return;
        }
        keepNucleus(total);
    }

    /** The probability of {@code token}, renormalised over what is still in play. */
    public double probability(int token) {
        float w = weight(token);
        if (w == 0) {
            return 0;
        }
        // The last token in play has probability 1 exactly, whatever rounding the exclusions left in the mass.
        return remaining == 1 ? 1 : Math.min(1, w / mass);
    }

    /** Takes {@code token} out of play and renormalises the rest; a token already out of play is ignored. */
    public void exclude(int token) {
        float w = weight(token);
        if (w == 0) {
            return;
        }
        if (params.isGreedy()) {
            pointMass = -1;
        } else {
            weights[token] = 0;
        }
        mass -= w;
        remaining--;
    }

    /** Draws a token from what is in play: one {@code nextDouble()} from {@code random}, none when greedy. */
    public int draw(SplittableRandom random) {
        requireRemaining();  // before the stream moves: a failed draw consumes nothing
        return params.isGreedy() ? pointMass : drawAt(random.nextDouble());
    }

    /**
     * Draws with a uniform {@code uniform} in [0, 1) taken beforehand from the sequence's stream: the token
     * {@link #draw} picks when its {@code nextDouble()} is {@code uniform} (greedy ignores it). Backends that sample
     * on the device walk the same order to the same draw ({@link RowSampling}).
     */
    public int drawAt(double uniform) {
        requireRemaining();
        if (params.isGreedy()) {
            return pointMass;
        }
        double u = uniform * mass;
        double cumulative = 0;
        if (kept < 0) {
            for (int i = 0; i < vocab; i++) {
                cumulative += weights[i];
                if (u < cumulative) {
                    return i;
                }
            }
            return Sampler.argmax(weights, 0, vocab);
        }
        for (int i = 0; i < kept; i++) {
            cumulative += weights[token(keys[i])];
            if (u < cumulative) {
                return token(keys[i]);
            }
        }
        for (int i = kept - 1; ; i--) {
            if (weights[token(keys[i])] > 0) {
                return token(keys[i]);
            }
        }
    }

    private void requireRemaining() {
        if (remaining == 0) {
            throw new IllegalStateException("every token of the distribution was excluded: nothing left to draw");
        }
    }

    /** The unnormalised weight of a token in play, 0 for one filtered out or excluded. */
    private float weight(int token) {
        if (token < 0 || token >= vocab) {
            throw new IllegalArgumentException("token " + token + " is outside the vocabulary [0, " + vocab + ")");
        }
        if (params.isGreedy()) {
            return token == pointMass ? 1f : 0f;
        }
        float w = weights[token];
        if (kept < 0 || w == 0) {
            return w;
        }
        // keys[0 .. kept) are the largest keys, so a token is in play iff its key reaches the smallest of them.
        return key(token) >= keys[kept - 1] ? w : 0;
    }

    /**
     * Top-k, then top-p over what top-k kept (Hugging Face's warper order). Without top-k, tokens below
     * (1 - p) / (n - 1) of the total mass are dropped before sorting (llama2.c's cut): all of them together
     * hold less than 1 - p, so the nucleus, measured against the total, is complete among the rest.
     */
    private void keepNucleus(double total) {
        float topP = params.topP();
        boolean topK = params.topK() > 0;
        // Capped at 1, the argmax's weight (exp(0)): with p < 1/n over near-equal logits the cut would drop every token.
        double cutoff = !topK && vocab > 1 ? Math.min((1 - topP) / (vocab - 1) * total, 1) : 0;
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            if (weights[i] > 0 && weights[i] >= cutoff) {
                keys[n++] = key(i);
            }
        }
        int k = topK ? Math.min(params.topK(), n) : n;
        sortLargestFirst(n, k);
        double inPlay = total;
        if (topK) {
            inPlay = 0;
            for (int i = 0; i < k; i++) {
                inPlay += weightOf(keys[i]);
            }
        }
        int cut = k;
        if (topP < 1f) {
            // The smallest prefix whose mass reaches p of the mass in play; at least one token.
            double cumulative = 0;
            for (int i = 0; i < k; i++) {
                cumulative += weightOf(keys[i]);
                if (cumulative >= topP * inPlay) {
                    cut = i + 1;
                    break;
                }
            }
        }
        double keptMass = 0;
        for (int i = 0; i < cut; i++) {
            keptMass += weightOf(keys[i]);
        }
        kept = cut;
        mass = keptMass;
        remaining = cut;
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

    private long key(int token) {
        return ((long) Float.floatToRawIntBits(weights[token]) << 32) | (~token & 0xFFFFFFFFL);
    }

    private static float weightOf(long key) {
        return Float.intBitsToFloat((int) (key >>> 32));
    }

    private static int token(long key) {
        return ~(int) key;
    }
}
