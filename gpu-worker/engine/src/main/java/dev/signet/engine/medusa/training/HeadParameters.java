package dev.signet.engine.medusa.training;

import dev.signet.engine.safetensors.SafetensorsException;
import dev.signet.engine.safetensors.SafetensorsFile;
import dev.signet.engine.safetensors.SafetensorsWriter;
import dev.signet.engine.safetensors.SafetensorsWriter.PendingTensor;
import dev.signet.engine.safetensors.TensorEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.json.JsonMapper;

/**
 * The weights of {@code heads} Medusa heads of {@code layers} ResBlocks each, {@code x ← x + SiLU(W x + b)}, in
 * PyTorch's layout ({@code W} is {@code [out, in]}); block {@code (head, layer)} is entry {@code head·layers + layer}.
 * Written as Medusa's files: {@value #WEIGHTS_FILE} with tensors {@code medusa_head.{i}.{l}.linear.weight} /
 * {@code .linear.bias} (float32, metadata {@code {"format":"pt"}}, names in sorted order) and {@value #CONFIG_FILE}.
 */
public record HeadParameters(int heads, int layers, int dim,
                             float[][] weight,   // [heads · layers][dim · dim], row-major [out, in]
                             float[][] bias) {   // [heads · layers][dim]
    public static final String WEIGHTS_FILE = "medusa_heads.safetensors";
    public static final String CONFIG_FILE = "config.json";

    public HeadParameters {
        if (heads < 1 || layers < 1 || dim < 1) {
            throw new IllegalArgumentException("heads, layers and dim must be positive: " + heads + ", " + layers + ", " + dim);
        }
        if (weight.length != heads * layers || bias.length != heads * layers) {
            throw new IllegalArgumentException("expected " + heads * layers + " blocks");
        }
    }

    /**
     * The fixtures' start: every W zero, so each head begins as the model's own next-token classifier shifted by
     * SiLU(b), and every b drawn as PyTorch's {@code nn.Linear} draws it, uniform in ±1/sqrt(dim).
     */
    public static HeadParameters initial(int heads, int layers, int dim, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double bound = 1 / Math.sqrt(dim);
        float[][] w = new float[heads * layers][dim * dim];
        float[][] b = new float[heads * layers][dim];
        for (float[] bias : b) {
            for (int i = 0; i < dim; i++) {
                bias[i] = (float) random.nextDouble(-bound, bound);
            }
        }
        return new HeadParameters(heads, layers, dim, w, b);
    }

    public int blocks() {
        return heads * layers;
    }

    public float[] weight(int head, int layer) {
        return weight[head * layers + layer];
    }

    public float[] bias(int head, int layer) {
        return bias[head * layers + layer];
    }

    static String weightName(int head, int layer) {
        return "medusa_head." + head + "." + layer + ".linear.weight";
    }

    static String biasName(int head, int layer) {
        return "medusa_head." + head + "." + layer + ".linear.bias";
    }

    /** Writes {@value #WEIGHTS_FILE} and {@value #CONFIG_FILE} into {@code dir}; {@code baseModel} names the model they serve. */
    public void write(Path dir, String baseModel, int vocabSize) throws IOException {
        List<PendingTensor> tensors = new ArrayList<>();
        for (int h = 0; h < heads; h++) {
            for (int l = 0; l < layers; l++) {
                tensors.add(PendingTensor.ofFloats(weightName(h, l), new long[] {dim, dim}, weight(h, l)));
                tensors.add(PendingTensor.ofFloats(biasName(h, l), new long[] {dim}, bias(h, l)));
            }
        }
        tensors.sort(Comparator.comparing(PendingTensor::name));
        SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), Map.of("format", "pt"), tensors);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("medusa_num_heads", heads);
        config.put("medusa_num_layers", layers);
        config.put("shares_lm_head", true);
        config.put("base_model", baseModel);
        config.put("hidden_size", dim);
        config.put("vocab_size", vocabSize);
        // Indented as Python's json.dump(indent=2) writes it, like the fixtures' config.json.
        var pretty = new DefaultPrettyPrinter(Separators.createDefaultInstance().withObjectNameValueSpacing(Separators.Spacing.AFTER));
        Files.writeString(dir.resolve(CONFIG_FILE), JsonMapper.builder().build().writer().with(pretty).writeValueAsString(config) + "\n");
    }

    /**
     * Reads heads in Medusa's shared-lm_head layout back (to score them, or to compare trained heads with others):
     * the number of heads and of layers are those the tensor names show, every one of them present as float
     * {@code [dim, dim]} weight and {@code [dim]} bias.
     */
    public static HeadParameters read(Path weightsFile) {
        try (SafetensorsFile file = SafetensorsFile.open(weightsFile)) {
            int heads = 0;
            while (file.tensors().containsKey(weightName(heads, 0))) {
                heads++;
            }
            int layers = 0;
            while (file.tensors().containsKey(weightName(0, layers))) {
                layers++;
            }
            if (heads == 0) {
                throw new SafetensorsException(weightsFile, weightName(0, 0), "no such tensor: not a Medusa heads file");
            }
            int dim = Math.toIntExact(file.tensor(weightName(0, 0)).dim(0));
            float[][] w = new float[heads * layers][];
            float[][] b = new float[heads * layers][];
            for (int h = 0; h < heads; h++) {
                for (int l = 0; l < layers; l++) {
                    w[h * layers + l] = floats(file.tensor(weightName(h, l)), dim, dim);
                    b[h * layers + l] = floats(file.tensor(biasName(h, l)), dim);
                }
            }
            return new HeadParameters(heads, layers, dim, w, b);
        }
    }

    private static float[] floats(TensorEntry t, long... shape) {
        if (!t.dtype().isWeightType() || !t.hasShape(shape)) {
            throw new SafetensorsException(t.file(), t.name(), "expected a float tensor of shape "
                    + Arrays.toString(shape) + ", found " + t.dtype() + t.shapeString());
        }
        float[] out = new float[Math.toIntExact(t.elementCount())];
        t.dtype().readFloats(t.data(), 0, out);
        return out;
    }

    /** A deep copy. */
    public HeadParameters copy() {
        float[][] w = new float[weight.length][];
        float[][] b = new float[bias.length][];
        for (int i = 0; i < w.length; i++) {
            w[i] = weight[i].clone();
            b[i] = bias[i].clone();
        }
        return new HeadParameters(heads, layers, dim, w, b);
    }
}
