package dev.signet.worker.generate;

import dev.signet.engine.sampling.SamplingParams;
import dev.signet.engine.tokenizer.ChatMessage;
import dev.signet.worker.api.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A {@code POST /v1/generate} body, checked field by field so that a 400 names the parameter at fault. Exactly one of
 * {@code prompt} (text, tokenized by the worker), {@code promptIds} and {@code messages} (a chat, rendered with the
 * model's chat template) is set; {@code delta} is a sha256 digest, or null for the base. Unknown fields are ignored, so a newer gateway can talk to an older worker.
 */
public record GenerateRequest(String requestId, String tenant, String delta, String prompt, int[] promptIds, List<ChatMessage> messages,
                              SamplingParams params) {
    public static final int DEFAULT_MAX_TOKENS = 256;
    private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_ID_LENGTH = 200;
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    public static GenerateRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalid(null, "the body must be a JSON object");
        }
        String requestId = optionalText(body, "request_id");
        if (requestId == null) {
            requestId = UUID.randomUUID().toString();
        } else if (requestId.isBlank() || requestId.length() > MAX_ID_LENGTH) {
            throw ApiException.invalid("request_id", "request_id must be a non-blank string of at most " + MAX_ID_LENGTH + " characters");
        }
        String tenant = optionalText(body, "tenant");
        if (tenant == null || tenant.isBlank()) {
            throw ApiException.invalid("tenant", "tenant is required: the tenant the request is served and accounted for");
        }
        String delta = optionalText(body, "delta");
        if (delta != null && !DIGEST.matcher(delta).matches()) {
            throw ApiException.invalid("delta", "delta must be the artifact's sha256 digest as 64 lower-case hex digits, or null for"
                    + " the base model, got \"" + delta + "\" (GET /v1/deltas lists the bundled deltas' digests by name)");
        }
        String prompt = optionalText(body, "prompt");
        int[] promptIds = promptIds(body);
        List<ChatMessage> messages = messages(body);
        int given = (prompt != null ? 1 : 0) + (promptIds != null ? 1 : 0) + (messages != null ? 1 : 0);
        if (given != 1) {
            // none: the usual one is missing; several: name the one after the first
            String param = given == 0 ? "prompt" : prompt != null && promptIds != null ? "prompt_ids" : "messages";
            throw ApiException.invalid(param, "give exactly one of prompt (text), prompt_ids (token ids) and messages (a chat)");
        }
        int maxTokens = optionalInt(body, "max_tokens", DEFAULT_MAX_TOKENS);
        if (maxTokens < 1) {
            throw ApiException.invalid("max_tokens", "max_tokens must be at least 1, got " + maxTokens);
        }
        double temperature = optionalNumber(body, "temperature", 1.0);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw ApiException.invalid("temperature", "temperature must be a finite number >= 0 (0 is greedy), got " + temperature);
        }
        double topP = optionalNumber(body, "top_p", 1.0);
        if (!(topP > 0 && topP <= 1)) {
            throw ApiException.invalid("top_p", "top_p must be in (0, 1], got " + topP);
        }
        int topK = optionalInt(body, "top_k", 0);
        if (topK < 0) {
            throw ApiException.invalid("top_k", "top_k must be >= 0 (0 = off), got " + topK);
        }
        OptionalLong seed = optionalLong(body, "seed");
        List<String> stop = stop(body);
        boolean ignoreEos = optionalBoolean(body, "ignore_eos", false);
        SamplingParams params = new SamplingParams((float) temperature, topK, (float) topP, seed, maxTokens, stop, ignoreEos);
        return new GenerateRequest(requestId, tenant, delta, prompt, promptIds, messages, params);
    }

    /** The parameter the prompt came in, for a 400 about it. */
    public String promptParam() {
        return prompt != null ? "prompt" : promptIds != null ? "prompt_ids" : "messages";
    }

    private static JsonNode field(JsonNode body, String name) {
        JsonNode n = body.get(name);
        return n == null || n.isNull() ? null : n;
    }

    private static String optionalText(JsonNode body, String name) {
        JsonNode n = field(body, name);
        if (n == null) {
            return null;
        }
        if (!n.isString()) {
            throw ApiException.invalid(name, name + " must be a string, got " + n.getNodeType().name().toLowerCase());
        }
        return n.stringValue();
    }

    private static int optionalInt(JsonNode body, String name, int otherwise) {
        JsonNode n = field(body, name);
        if (n == null) {
            return otherwise;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw ApiException.invalid(name, name + " must be an integer, got " + n);
        }
        return n.intValue();
    }

    private static OptionalLong optionalLong(JsonNode body, String name) {
        JsonNode n = field(body, name);
        if (n == null) {
            return OptionalLong.empty();
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw ApiException.invalid(name, name + " must be a 64-bit integer, got " + n);
        }
        return OptionalLong.of(n.longValue());
    }

    private static double optionalNumber(JsonNode body, String name, double otherwise) {
        JsonNode n = field(body, name);
        if (n == null) {
            return otherwise;
        }
        if (!n.isNumber()) {
            throw ApiException.invalid(name, name + " must be a number, got " + n);
        }
        return n.doubleValue();
    }

    private static boolean optionalBoolean(JsonNode body, String name, boolean otherwise) {
        JsonNode n = field(body, name);
        if (n == null) {
            return otherwise;
        }
        if (!n.isBoolean()) {
            throw ApiException.invalid(name, name + " must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    private static int[] promptIds(JsonNode body) {
        JsonNode n = field(body, "prompt_ids");
        if (n == null) {
            return null;
        }
        if (!n.isArray() || n.isEmpty()) {
            throw ApiException.invalid("prompt_ids", "prompt_ids must be a non-empty array of token ids");
        }
        int[] ids = new int[n.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = n.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                throw ApiException.invalid("prompt_ids", "prompt_ids[" + i + "] must be an integer token id, got " + id);
            }
            ids[i] = id.intValue();
        }
        return ids;
    }

    /** A non-empty array of {@code {"role": system|user|assistant, "content": string}}; other fields are ignored. */
    private static List<ChatMessage> messages(JsonNode body) {
        JsonNode n = field(body, "messages");
        if (n == null) {
            return null;
        }
        if (!n.isArray() || n.isEmpty()) {
            throw ApiException.invalid("messages", "messages must be a non-empty array of {\"role\", \"content\"} objects");
        }
        List<ChatMessage> messages = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            JsonNode m = n.get(i);
            if (!m.isObject()) {
                throw ApiException.invalid("messages", "messages[" + i + "] must be an object with role and content, got " + m);
            }
            JsonNode role = m.get("role");
            JsonNode content = m.get("content");
            if (role == null || !role.isString() || !ROLES.contains(role.stringValue())) {
                throw ApiException.invalid("messages", "messages[" + i + "].role must be one of system, user, assistant, got " + role);
            }
            if (content == null || !content.isString()) {
                throw ApiException.invalid("messages", "messages[" + i + "].content must be a string, got " + content);
            }
            messages.add(new ChatMessage(role.stringValue(), content.stringValue()));
        }
        return List.copyOf(messages);
    }

    /** OpenAI's {@code stop}: one string or an array of strings, none empty. */
    private static List<String> stop(JsonNode body) {
        JsonNode n = field(body, "stop");
        if (n == null) {
            return List.of();
        }
        List<JsonNode> items = new ArrayList<>();
        if (n.isArray()) {
            n.forEach(items::add);
        } else {
            items.add(n);
        }
        List<String> stops = new ArrayList<>();
        for (JsonNode s : items) {
            if (!s.isString() || s.stringValue().isEmpty()) {
                throw ApiException.invalid("stop", "stop must be a non-empty string or an array of non-empty strings, got " + n);
            }
            stops.add(s.stringValue());
        }
        return stops;
    }
}
