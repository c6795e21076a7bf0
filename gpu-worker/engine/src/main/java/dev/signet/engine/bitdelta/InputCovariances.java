package dev.signet.engine.bitdelta;

import dev.signet.engine.model.ActivationTap;
import dev.signet.engine.model.LlamaConfig;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code C = Σ x xᵀ} of the inputs each projection meets on calibration text, per layer and site (q, k and
 * v share one, gate and up share one). A 70B model's covariances do not fit in memory at once (a down_proj
 * input is 28672² doubles), so they are gathered for a band of layers at a time, as many as
 * {@code memoryBudget} bytes hold, by one calibration pass each: {@link #of} runs the pass for a layer's band
 * the first time the layer is asked for, and drops the previous band.
 */
final class InputCovariances implements ActivationTap {
    private final LlamaConfig config;
    private final int layersPerBand;
    /** Runs the model over the calibration text once, showing the given tap the activations. */
    private final Consumer<ActivationTap> pass;
    private final Map<Integer, Map<Site, double[]>> band = new HashMap<>();
    private final Map<Integer, Map<Site, double[]>> factors = new HashMap<>();
    private int bandStart = -1;
    private long tokens;

    InputCovariances(LlamaConfig config, long memoryBudget, Consumer<ActivationTap> pass) {
        this.config = config;
        long perLayer = 0;
        for (Site s : Site.values()) {
            perLayer += 8L * width(s) * width(s);
        }
        this.layersPerBand = (int) Math.max(1, Math.min(config.numLayers(), memoryBudget / perLayer));
        this.pass = pass;
    }

    /** C for the inputs of {@code site} in {@code layer}: [cols, cols] row-major, summed over the calibration tokens. */
    double[] of(int layer, Site site) {
        if (bandStart < 0 || layer < bandStart || layer >= bandStart + layersPerBand) {
            band.clear();
            factors.clear();
            bandStart = layer - layer % layersPerBand;
            for (int l = bandStart; l < Math.min(config.numLayers(), bandStart + layersPerBand); l++) {
                Map<Site, double[]> sites = new EnumMap<>(Site.class);
                for (Site s : Site.values()) {
                    int n = width(s);
                    sites.put(s, new double[n * n]);
                }
                band.put(l, sites);
            }
            tokens = 0;
            pass.accept(this);
        }
        return band.get(layer).get(site);
    }

    /** {@link SignRows#inverseFactor} of {@link #of}, computed once per layer and site (q, k and v share it). */
    double[] inverseFactor(int layer, Site site) {
        double[] c = of(layer, site);
        return factors.computeIfAbsent(layer, l -> new EnumMap<>(Site.class))
                .computeIfAbsent(site, s -> SignRows.inverseFactor(c, width(s)));
    }

    /** Calibration tokens seen by the last pass. */
    long tokens() {
        return tokens;
    }

    int layersPerBand() {
        return layersPerBand;
    }

    private int width(Site s) {
        return switch (s) {
            case ATTENTION_INPUT, MLP_INPUT -> config.hiddenSize();
            case ATTENTION_OUTPUT -> config.qDim();
            case MLP_ACTIVATION -> config.intermediateSize();
        };
    }

    @Override
    public boolean wants(int layer) {
        return band.containsKey(layer);
    }

    @Override
    public void observe(int layer, Site site, float[] rows, int n, int cols) {
        if (layer == bandStart && site == Site.ATTENTION_INPUT) {
            tokens += n;
        }
        double[] c = band.get(layer).get(site);
        // Rank-1 updates in double: calibration sums tens of thousands of rows.
        for (int r = 0; r < n; r++) {
            int at = r * cols;
            for (int i = 0; i < cols; i++) {
                double xi = rows[at + i];
                if (xi == 0) {
                    continue;
                }
                int ci = i * cols;
                for (int j = 0; j < cols; j++) {
                    c[ci + j] += xi * rows[at + j];
                }
            }
        }
    }
}
