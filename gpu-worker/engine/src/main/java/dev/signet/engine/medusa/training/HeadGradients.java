package dev.signet.engine.medusa.training;

import java.util.Arrays;

/** The gradient of the training loss with respect to every head parameter, summed in double; shaped as {@link HeadParameters}. */
record HeadGradients(double[][] weight,   // [heads · layers][dim · dim]
                     double[][] bias) {   // [heads · layers][dim]

    static HeadGradients zeros(int blocks, int dim) {
        return new HeadGradients(new double[blocks][dim * dim], new double[blocks][dim]);
    }

    void clear() {
        for (double[] w : weight) {
            Arrays.fill(w, 0);
        }
        for (double[] b : bias) {
            Arrays.fill(b, 0);
        }
    }

    /** this += other. */
    void add(HeadGradients other) {
        for (int i = 0; i < weight.length; i++) {
            double[] w = weight[i];
            double[] o = other.weight[i];
            for (int j = 0; j < w.length; j++) {
                w[j] += o[j];
            }
            double[] b = bias[i];
            double[] ob = other.bias[i];
            for (int j = 0; j < b.length; j++) {
                b[j] += ob[j];
            }
        }
    }
}
