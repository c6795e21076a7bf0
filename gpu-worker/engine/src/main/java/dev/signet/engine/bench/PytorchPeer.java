package dev.signet.engine.bench;

import dev.signet.engine.safetensors.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The PyTorch peer's timings, as {@code gpu-worker/gpu/pytorch_peer.py} writes them
 * ({@code pytorch-peer-<timestamp>.json}): the same decode step of the same synthetic shape in PyTorch (cuBLAS fp16
 * matmuls, BitDelta's sign unpacking, SDPA over an fp16 KV cache), each cell its fastest configuration's.
 * {@code signet bench gpu --pytorch-peer FILE} sets its own cells against them; a file of another shape, KV length,
 * KV dtype or GPU is refused, as its step is not this one.
 */
public record PytorchPeer(Path file, Report report) {
    public static final double TARGET_SPEEDUP_8_TENANTS = 3.0;

    public record Model(int hidden, int intermediate, int heads, int kvHeads, int vocab, int layers) {}

    public record Timing(double stepMs, int stepsPerRound) {}

    public record Cell(int rows, int distinctTenants, double stepMs, String config, Map<String, Timing> configs) {}

    public record Report(String suite, String device, String torch, String cuda, Model model, int kvPositions, String kvDtype,
            String method, String step, List<String> modes, List<String> unpacks, Map<String, String> skipped, List<Cell> cells) {}

    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** Reads {@code file}; a missing file, bad JSON or a report without its fields fails naming the file. */
    public static PytorchPeer read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("the PyTorch peer's report " + file + " does not exist");
        }
        Report r;
        try {
            r = JSON.readValue(Files.readString(file), Report.class);
        } catch (IOException | JacksonException e) {
            throw new IllegalArgumentException("cannot read the PyTorch peer's report " + file + ": " + e.getMessage(), e);
        }
        if (r == null || !"pytorch-peer".equals(r.suite()) || r.model() == null || r.device() == null || r.cells() == null) {
            throw new IllegalArgumentException(file + " is not a PyTorch peer report (suite 'pytorch-peer' with its device, "
                    + "model and cells)");
        }
        for (Cell c : r.cells()) {
            if (!(c.stepMs() > 0) || Double.isInfinite(c.stepMs())) {
                throw new IllegalArgumentException(file + ": the cell of " + c.rows() + " rows over " + c.distinctTenants()
                        + " tenants has no positive step time (" + c.stepMs() + ")");
            }
        }
        return new PytorchPeer(file, r);
    }

    /**
     * Fails unless the peer timed this benchmark's step: the same shape, KV positions and KV dtype, on the GPU
     * {@code deviceDescription} names (the backend's description begins with the device's name).
     */
    public void checkSameStep(GpuBenchmark.Shape shape, int kvLength, DType kvDtype, String deviceDescription) {
        Model m = report.model();
        Model expected = new Model(shape.hidden(), shape.intermediate(), shape.heads(), shape.kvHeads(), shape.vocab(), shape.layers());
        String mismatch = !m.equals(expected) ? "its model is " + m + ", this benchmark's " + expected
                : report.kvPositions() != kvLength ? "it read " + report.kvPositions() + " KV positions, this benchmark " + kvLength
                : !kvDtype.name().equals(report.kvDtype()) ? "its KV cache is " + report.kvDtype() + ", this benchmark's " + kvDtype
                : !deviceDescription.startsWith(report.device()) ? "it ran on " + report.device() + ", this benchmark on " + deviceDescription
                : null;
        if (mismatch != null) {
            throw new IllegalArgumentException("the PyTorch peer's report " + file + " is not of this step: " + mismatch);
        }
    }

    public Optional<Cell> cell(int rows, int tenants) {
        return report.cells().stream().filter(c -> c.rows() == rows && c.distinctTenants() == tenants).findFirst();
    }

    /** The peer's step ms over {@code stepMillis}, for the cell of {@code rows} rows over {@code tenants} tenants. */
    public Optional<Double> speedup(int rows, int tenants, double stepMillis) {
        return cell(rows, tenants).map(c -> c.stepMs() / stepMillis);
    }

    /** What the benchmark's JSON records of the peer. */
    public Map<String, Object> description() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("file", file.getFileName().toString());
        d.put("device", report.device());
        d.put("torch", report.torch());
        d.put("cuda", report.cuda());
        d.put("step", report.step());
        d.put("method", report.method());
        d.put("modes", report.modes());
        d.put("unpacks", report.unpacks());
        d.put("skipped", report.skipped());
        return d;
    }
}
