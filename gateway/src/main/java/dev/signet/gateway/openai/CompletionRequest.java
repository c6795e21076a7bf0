package dev.signet.gateway.openai;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A checked {@code POST /v1/completions} or {@code POST /v1/chat/completions} body: the model, what to complete
 * (exactly one of {@code prompt}, {@code promptIds} and {@code messages}), the sampling, {@code n} choices, and whether
 * to stream (with a final usage chunk when {@code includeUsage}). Parameters that would change the answer in ways the
 * gateway cannot honour are refused with a 400 naming them; unknown fields are ignored. vLLM's {@code top_k} and
 * {@code ignore_eos} extensions are honoured.
 */
public record CompletionRequest(String model, String prompt, List<Integer> promptIds, List<ChatMessage> messages,
                                Sampling sampling, int n, boolean stream, boolean includeUsage) {
    public static final int MAX_N = 16;
    public static final int MAX_STOP = 4;
    /** OpenAI's default {@code max_tokens} for legacy completions; chat has none (the worker's applies). */
    public static final int COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

    public boolean chat() {
        return messages != null;
    }

    /** A {@code /v1/completions} body. */
    public static CompletionRequest completion(JsonNode body) {
        JsonFields f = JsonFields.of(body);
        String model = f.requiredText("model");
        f.refuseUnless("echo", n -> n.isBoolean() && !n.booleanValue(), "the prompt is not echoed");
        f.refuseUnless("best_of", n -> n.isIntegralNumber() && n.intValue() == 1, "best_of must be 1");
        f.refuseUnless("logprobs", n -> n.isIntegralNumber() && n.intValue() == 0, "log probabilities are not returned");
        f.refuseUnless("suffix", n -> n.isString() && n.stringValue().isEmpty(), "insertion (suffix) is not supported");
        refuseCommon(f);
        Integer maxTokens = f.integer("max_tokens", 1, Integer.MAX_VALUE);
        String prompt = null;
        List<Integer> ids = null;
        JsonNode p = f.get("prompt");
        if (p == null) {
            throw OpenAiException.invalid("prompt", "you must provide 'prompt'");
        }
        if (p.isArray() && p.size() == 1 && (p.get(0).isString() || p.get(0).isArray())) {
            p = p.get(0);   // a batch of one prompt
        }
        if (p.isString()) {
            prompt = p.stringValue();
        } else if (p.isArray() && !p.isEmpty()) {
            ids = new ArrayList<>();
            for (JsonNode id : p) {
                if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                    throw OpenAiException.invalid("prompt", "'prompt' must be a string, an array of one string, or an array of"
                            + " token ids; batches of several prompts are not supported (send one request per prompt)");
                }
                ids.add(id.intValue());
            }
            ids = List.copyOf(ids);
        } else {
            throw OpenAiException.invalid("prompt", "'prompt' must be a string, an array of one string, or a non-empty array of"
                    + " token ids, got " + p);
        }
        return finish(f, model, prompt, ids, null, maxTokens != null ? maxTokens : COMPLETIONS_DEFAULT_MAX_TOKENS);
    }

    /** A {@code /v1/chat/completions} body. */
    public static CompletionRequest chat(JsonNode body) {
        JsonFields f = JsonFields.of(body);
        String model = f.requiredText("model");
        f.refuseUnless("logprobs", n -> n.isBoolean() && !n.booleanValue(), "log probabilities are not returned");
        f.refuseUnless("top_logprobs", n -> n.isIntegralNumber() && n.intValue() == 0, "log probabilities are not returned");
        f.refuseUnless("tools", n -> n.isArray() && n.isEmpty(), "tool calling is not supported");
        f.refuseUnless("functions", n -> n.isArray() && n.isEmpty(), "function calling is not supported");
        f.refuseUnless("tool_choice", n -> n.isString() && n.stringValue().equals("none"), "tool calling is not supported");
        f.refuseUnless("function_call", n -> n.isString() && n.stringValue().equals("none"), "function calling is not supported");
        f.refuseUnless("response_format", n -> "text".equals(n.path("type").asString(null)), "only text responses are supported");
        f.refuseUnless("audio", n -> false, "audio output is not supported");
        f.refuseUnless("modalities", n -> n.isArray() && n.size() == 1 && "text".equals(n.get(0).asString(null)),
                "only the text modality is supported");
        refuseCommon(f);
        Integer maxTokens = f.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
        Integer legacyMax = f.integer("max_tokens", 1, Integer.MAX_VALUE);
        return finish(f, model, null, null, messages(f), maxTokens != null ? maxTokens : legacyMax);
    }

    private static void refuseCommon(JsonFields f) {
        f.refuseUnless("logit_bias", n -> n.isObject() && n.isEmpty(), "logit_bias is not supported");
        f.refuseUnless("presence_penalty", n -> n.isNumber() && n.doubleValue() == 0, "penalties are not supported");
        f.refuseUnless("frequency_penalty", n -> n.isNumber() && n.doubleValue() == 0, "penalties are not supported");
    }

    private static CompletionRequest finish(JsonFields f, String model, String prompt, List<Integer> ids, List<ChatMessage> messages,
                                            Integer maxTokens) {
        Double temperature = f.number("temperature", 0, false, 2);
        Double topP = f.number("top_p", 0, true, 1);
        Integer n = f.integer("n", 1, MAX_N);
        Long seed = f.int64("seed");
        List<String> stop = f.strings("stop", MAX_STOP);
        Integer topK = f.integer("top_k", -1, Integer.MAX_VALUE);   // vLLM's extension; -1 and 0 are off
        Boolean ignoreEos = f.has("ignore_eos") ? f.bool("ignore_eos", false) : null;   // vLLM's extension
        boolean stream = f.bool("stream", false);
        boolean includeUsage = false;
        JsonNode options = f.get("stream_options");
        if (options != null) {
            if (!stream) {
                throw OpenAiException.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true");
            }
            includeUsage = JsonFields.of(options).bool("include_usage", false);
        }
        return new CompletionRequest(model, prompt, ids, messages, new Sampling(maxTokens, temperature, topP, seed, stop,
                        topK == null || topK <= 0 ? null : topK, ignoreEos),
                n == null ? 1 : n, stream, includeUsage);
    }

    /** OpenAI's messages: roles system (or developer), user, assistant; content a string or an array of text parts. */
    private static List<ChatMessage> messages(JsonFields f) {
        JsonNode list = f.get("messages");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw OpenAiException.invalid("messages", "'messages' must be a non-empty array of messages");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String param = "messages[" + i + "]";
            JsonNode m = list.get(i);
            if (!m.isObject()) {
                throw OpenAiException.invalid(param, param + " must be an object with 'role' and 'content'");
            }
            String role = m.path("role").asString("");
            role = switch (role) {
                case "system", "developer" -> "system";
                case "user", "assistant" -> role;
                case "tool", "function" -> throw OpenAiException.unsupported(param + ".role", "tool and function messages are not supported");
                default -> throw OpenAiException.invalid(param + ".role", param + ".role must be one of system, developer, user,"
                        + " assistant, got " + m.get("role"));
            };
            if (m.hasNonNull("tool_calls") || m.hasNonNull("function_call")) {
                throw OpenAiException.unsupported(param + ".tool_calls", "tool calls are not supported");
            }
            messages.add(new ChatMessage(role, content(m.get("content"), param + ".content")));
        }
        return List.copyOf(messages);
    }

    private static String content(JsonNode content, String param) {
        if (content != null && content.isString()) {
            return content.stringValue();
        }
        if (content == null || !content.isArray()) {
            throw OpenAiException.invalid(param, param + " must be a string or an array of text parts, got " + content);
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if (!"text".equals(part.path("type").asString(null)) || !part.path("text").isString()) {
                throw OpenAiException.unsupported(param, "only text content parts ({\"type\":\"text\",\"text\":...}) are supported,"
                        + " got " + part);
            }
            text.append(part.get("text").stringValue());
        }
        return text.toString();
    }
}
