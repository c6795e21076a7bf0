package dev.signet.engine.model;

/**
 * How RoPE's inverse frequencies are derived from {@code rope_theta}, as transformers' rope initialisers
 * compute them: plain ({@code default}), position interpolation ({@code linear}), or Llama 3's
 * frequency-dependent rescaling ({@code llama3}, used by Llama 3.1 and later for 128k contexts).
 */
public sealed interface RopeScaling {

    /** Inverse frequencies for the {@code headDim / 2} rotated pairs, in float32 as transformers computes them. */
    float[] inverseFrequencies(int headDim, double theta);

    record None() implements RopeScaling {
        @Override
        public float[] inverseFrequencies(int headDim, double theta) {
            return baseFrequencies(headDim, theta);
        }
    }

    /** Positions divided by {@code factor}; equivalently every frequency divided by it. */
    record Linear(double factor) implements RopeScaling {
        @Override
        public float[] inverseFrequencies(int headDim, double theta) {
            float[] f = baseFrequencies(headDim, theta);
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) (f[i] / factor);
            }
            return f;
        }
    }

    /** transformers' {@code _compute_llama3_parameters}: long wavelengths scaled, short kept, a smooth blend between. */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) implements RopeScaling {
        @Override
        public float[] inverseFrequencies(int headDim, double theta) {
            float[] f = baseFrequencies(headDim, theta);
            double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
            double highFreqWavelen = originalMaxPositions / highFreqFactor;
            for (int i = 0; i < f.length; i++) {
                double wavelen = 2 * Math.PI / f[i];
                if (wavelen > lowFreqWavelen) {
                    f[i] = (float) (f[i] / factor);
                } else if (wavelen >= highFreqWavelen) {
                    double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    f[i] = (float) ((1 - smooth) * f[i] / factor + smooth * f[i]);
                }
            }
            return f;
        }
    }

    /** {@code 1 / theta^(2i / headDim)}, with the exponent and the power in float32 as torch evaluates them. */
    static float[] baseFrequencies(int headDim, double theta) {
        float[] f = new float[headDim / 2];
        for (int i = 0; i < f.length; i++) {
            float exponent = (float) (2 * i) / headDim;
            f[i] = 1.0f / (float) Math.pow(theta, exponent);
        }
        return f;
    }
}
