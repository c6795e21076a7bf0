package dev.signet.engine.bitdelta;

import dev.signet.engine.model.LayerWeights;
import dev.signet.engine.model.LlamaWeights;
import dev.signet.engine.safetensors.TensorEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The names and metadata keys of a BitDelta artifact (docs/bitdelta-format.md). A compressed projection
 * {@code W} is stored as plane 1, {@code W.signs} (u32 {@code [rows, ceil(cols/32)]}, bit i of word k =
 * sign of column 32k+i, 1 = positive) and {@code W.scale} (f32 {@code [1]} per matrix or {@code [rows]} per
 * row), and optionally more planes {@code W.signs.p} / {@code W.scale.p} (p = 2, 3, …) fitted to what the
 * earlier planes left; a changed non-projection tensor is stored densely under its own name.
 */
public final class BitDeltaFormat {
    public static final String FORMAT = "signet-bitdelta";
    public static final int VERSION = 1;

    public static final String KEY_FORMAT = "format";
    public static final String KEY_VERSION = "format_version";
    public static final String KEY_BASE_DIGEST = "base_digest";
    public static final String KEY_TENSORS = "tensors";
    public static final String KEY_CHECKSUMS = "checksums";
    public static final String KEY_SETTINGS = "settings";
    public static final String KEY_QUALITY = "quality";

    /** The projections BitDelta compresses, as Hugging Face names them inside a layer. */
    static final Set<String> PROJECTION_SUFFIXES = Set.of(
            "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
            "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight");

    private BitDeltaFormat() {}

    public static String signsName(String tensor, int plane) {
        return tensor + ".signs" + (plane == 1 ? "" : "." + plane);
    }

    public static String scaleName(String tensor, int plane) {
        return tensor + ".scale" + (plane == 1 ? "" : "." + plane);
    }

    /** The seven projections of every layer, in forward order. */
    static List<TensorEntry> projections(LlamaWeights w) {
        List<TensorEntry> out = new ArrayList<>();
        for (LayerWeights l : w.layers()) {
            out.addAll(List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()));
        }
        return out;
    }

    static boolean isProjection(String name) {
        return PROJECTION_SUFFIXES.stream().anyMatch(s -> name.startsWith("model.layers.") && name.endsWith("." + s));
    }
}
