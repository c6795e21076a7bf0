package dev.signet.engine.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fixtures' oracle, {@code reference/reference.json}: logits and greedy outputs that Hugging Face
 * transformers computed for the base model and each tenant. Read once per JVM.
 */
public final class ReferenceOracle {
    private static JsonNode root;

    private ReferenceOracle() {}

    /** One prompt's reference for one model. */
    public record PromptReference(String prompt, int[] inputIds, float[] lastLogits, int[] greedyIds,
                                  String fullText, String continuationText) {}

    public static synchronized JsonNode root() {
        if (root == null) {
            try {
                root = JsonMapper.builder().build().readTree(Files.readString(Fixtures.path("reference/reference.json")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    /** The references of {@code model} ("base", "caps", "caps@bitdelta", ...), one per prompt. */
    public static List<PromptReference> prompts(String model) {
        List<PromptReference> out = new ArrayList<>();
        for (JsonNode p : root().get("models").get(model).get("prompts")) {
            out.add(new PromptReference(p.get("prompt").asString(), ints(p.get("input_ids")), floats(p.get("last_logits")),
                    ints(p.get("greedy_ids")), p.get("full_text").asString(), p.get("continuation_text").asString()));
        }
        return out;
    }

    /** One Medusa head's reference for one prompt: its logits and their five largest ids, largest first. */
    public record HeadReference(int head, float[] logits, int[] top5) {}

    /** One prompt's Medusa reference: the model's last hidden state (after the final norm) and every head's output. */
    public record MedusaReference(String prompt, int[] inputIds, float[] lastHiddenState, List<HeadReference> heads) {}

    /** The fixture folder ("stories260K", "tenants/caps") of the model that Medusa heads {@code heads} ("stories260K", "caps") serve. */
    public static String medusaModel(String heads) {
        return root().get("medusa").get(heads).get("model").asString();
    }

    /** The references of Medusa heads {@code heads} ("stories260K", "caps"), one per prompt. */
    public static List<MedusaReference> medusaPrompts(String heads) {
        List<MedusaReference> out = new ArrayList<>();
        for (JsonNode p : root().get("medusa").get(heads).get("prompts")) {
            List<HeadReference> perHead = new ArrayList<>();
            for (JsonNode h : p.get("heads")) {
                perHead.add(new HeadReference(h.get("head").asInt(), floats(h.get("logits")), ints(h.get("top5"))));
            }
            out.add(new MedusaReference(p.get("prompt").asString(), ints(p.get("input_ids")),
                    floats(p.get("last_hidden_state")), List.copyOf(perHead)));
        }
        return out;
    }

    /** transformers' 256-step greedy output from BOS (BOS included). */
    public static int[] goldenFromBos() {
        return ints(root().get("golden").get("hf_greedy_from_bos_256_steps"));
    }

    /** llama2.c's published golden ids (the first 65). */
    public static int[] llama2cGolden() {
        return ints(root().get("golden").get("llama2c_doc_greedy_ids_first_65"));
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    public static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }
}
