package dev.signet.engine.bitdelta;

import dev.signet.engine.backend.SignPlane;
import dev.signet.engine.safetensors.SafetensorsWriter.PendingTensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The tensors of one compression in forward order: changed dense tensors and compressed projections. It
 * produces the draft's tensors (every plane the compression computed), and afterwards says what each choice
 * of second planes costs in bytes and which matrices the size budget buys.
 */
final class CompressionPlan {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /**
     * What one stored tensor adds to the header (its entry, its checksum, its share of the tensor list): about
     * 300 bytes, which for a small model is as much as a 64 × 64 sign plane, so the size budget counts it.
     */
    static final long HEADER_BYTES_PER_TENSOR = 320;

    private final List<PlannedTensor> order;  // in forward order
    private final List<PlannedTensor.Dense> dense;
    private final List<MatrixCompression> matrices;
    private final boolean calibrated;

    CompressionPlan(List<PlannedTensor> order, boolean calibrated) {
        this.order = List.copyOf(order);
        this.dense = order.stream().filter(PlannedTensor.Dense.class::isInstance).map(PlannedTensor.Dense.class::cast).toList();
        this.matrices = order.stream().filter(MatrixCompression.class::isInstance).map(MatrixCompression.class::cast).toList();
        this.calibrated = calibrated;
    }

    List<MatrixCompression> matrices() {
        return matrices;
    }

    /** Every tensor the compression computes, in file order, reporting progress as each base tensor is done. */
    List<PendingTensor> tensors(BitDeltaCompressor.Progress progress) {
        long total = order.stream().mapToLong(PlannedTensor::work).sum();
        long[] done = {0};
        List<PendingTensor> out = new ArrayList<>();
        for (PlannedTensor item : order) {
            List<PendingTensor> pieces = item.tensors();
            PendingTensor last = pieces.getLast();
            for (PendingTensor p : pieces) {
                out.add(p != last ? p : new PendingTensor(p.name(), p.dtype(), p.shape(), target -> {
                    p.bytes().writeTo(target);
                    done[0] += item.work();
                    progress.advance(item.name(), done[0], total);
                }));
            }
        }
        return out;
    }

    /** The names of every matrix that has a second plane in the draft. */
    Set<String> allSecondPlanes() {
        Set<String> names = new LinkedHashSet<>();
        matrices.stream().filter(m -> m.planes() > 1).forEach(m -> names.add(m.name()));
        return names;
    }

    /**
     * The matrices whose second plane removes the largest share of their output error per byte, taken while
     * the artifact stays within {@code budget} × the one-bit artifact's tensor bytes.
     */
    Set<String> chooseSecondPlanes(double budget) {
        Set<String> chosen = new LinkedHashSet<>();
        if (!calibrated) {
            return chosen;
        }
        long room = (long) (budget * oneBitBytes()) - bytes(chosen);
        List<MatrixCompression> ranked = matrices.stream()
                .filter(m -> m.planes() > 1 && m.errorAfter(0) > 0)
                .sorted(Comparator.comparingDouble((MatrixCompression m) -> -(m.errorAfter(1) - m.errorAfter(2))
                        / m.errorAfter(0) / planeCost(m)))
                .toList();
        for (MatrixCompression m : ranked) {
            if (planeCost(m) <= room) {
                chosen.add(m.name());
                room -= planeCost(m);
            }
        }
        return chosen;
    }

    /** Bytes (tensors and their header share) of plain BitDelta, one plane per matrix, with the same dense tensors. */
    long oneBitBytes() {
        return bytes(Set.of());
    }

    /** Bytes (tensors and their header share) of this compression with the given second planes. */
    long bytes(Set<String> secondPlanes) {
        long bytes = denseBytes() + dense.size() * HEADER_BYTES_PER_TENSOR;
        for (MatrixCompression m : matrices) {
            bytes += planeCost(m) * (secondPlanes.contains(m.name()) ? 2 : 1);
        }
        return bytes;
    }

    /** A plane's signs and scale with their two header entries. */
    private static long planeCost(MatrixCompression m) {
        return m.planeBytes() + 2 * HEADER_BYTES_PER_TENSOR;
    }

    private long denseBytes() {
        return dense.stream().mapToLong(PlannedTensor.Dense::bytes).sum();
    }

    /** Whether a draft tensor belongs in the final artifact with these second planes. */
    boolean keeps(String stored, Set<String> secondPlanes) {
        for (MatrixCompression m : matrices) {
            for (int p = 2; p <= m.planes(); p++) {
                if (stored.equals(BitDeltaFormat.signsName(m.name(), p)) || stored.equals(BitDeltaFormat.scaleName(m.name(), p))) {
                    return secondPlanes.contains(m.name());
                }
            }
        }
        return true;
    }

    /** The metadata's tensor list: each stored base tensor's kind, and for sign matrices their planes. */
    ObjectNode listing(Set<String> secondPlanes) {
        ObjectNode list = JSON.createObjectNode();
        for (PlannedTensor item : order) {
            if (item instanceof PlannedTensor.Dense d) {
                list.putObject(d.name()).put("kind", "dense").put("dtype", d.tuned().dtype().name());
            } else if (item instanceof MatrixCompression m) {
                list.putObject(m.name()).put("kind", "signs").put("planes", secondPlanes.contains(m.name()) ? 2 : 1)
                        .put("scales", "matrix");
            }
        }
        return list;
    }

    /** The settings metadata: method, calibration, and the bytes each choice costs. */
    ObjectNode settings(CompressionOptions options, Set<String> secondPlanes, InputCovariances inputs) {
        ObjectNode s = JSON.createObjectNode();
        s.put("method", calibrated ? "bitdelta-calibrated" : "bitdelta");
        s.put("scales", calibrated ? "per matrix and plane, fitted to the calibration inputs" : "mean |delta| per matrix");
        if (calibrated) {
            s.put("signs", "error feedback against the calibration inputs' covariance (GPTQ's sweep at one bit)");
        }
        if (calibrated) {
            ObjectNode c = s.putObject("calibration");
            c.put("text", options.calibrationText().getFileName().toString());
            c.put("windows", options.calibrationWindows());
            c.put("tokens", inputs.tokens());
            c.put("layers_per_pass", inputs.layersPerBand());
            s.put("size_budget", options.sizeBudget());
        }
        ObjectNode sizes = s.putObject("bytes");  // tensor data; "estimated_*" add each tensor's header share
        sizes.put("plane1", matrices.stream().mapToLong(MatrixCompression::planeBytes).sum());
        sizes.put("second_planes", matrices.stream().filter(m -> secondPlanes.contains(m.name())).mapToLong(MatrixCompression::planeBytes).sum());
        sizes.put("dense", denseBytes());
        sizes.put("estimated_one_bit_artifact", oneBitBytes());
        sizes.put("estimated_artifact", bytes(secondPlanes));
        ArrayNode planes = s.putArray("second_planes");
        secondPlanes.forEach(planes::add);
        ArrayNode denseNames = s.putArray("dense_tensors");
        dense.forEach(t -> denseNames.add(t.name()));
        return s;
    }
}
