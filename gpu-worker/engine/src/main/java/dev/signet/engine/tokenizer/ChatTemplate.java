package dev.signet.engine.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * A model's chat template: {@code chat_template} from its {@code tokenizer_config.json} (a string, or the list form
 * {@code [{"name": "default", "template": ...}, ...]}, of which the {@code default} one), rendered with Jinja as
 * Hugging Face's {@code apply_chat_template(messages, add_generation_prompt=True)} does: the same environment
 * settings ({@code trim_blocks}, {@code lstrip_blocks}, one trailing newline of the source dropped), the variables
 * {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and the function
 * {@code raise_exception(message)}. A model without a template gets {@link #PLAIN_FORMAT}. Immutable and safe to
 * share between threads.
 *
 * <p>Jinja is HubSpot's Jinjava: strings are Java strings, so of Python's {@code str} methods only those Java shares
 * work ({@code strip()}, {@code replace(a, b)}, ...); a template calling another fails with
 * {@link ChatTemplateException.Kind#BROKEN_TEMPLATE} naming the method.
 */
public final class ChatTemplate {
    public static final String CONFIG_FILE = "tokenizer_config.json";

    /**
     * The format of models without a chat template: each message as {@code "<Role>: <content>\n"} (System, User,
     * Assistant), then {@code "Assistant:"} for the model to continue.
     */
    public static final String PLAIN_FORMAT = "{% for message in messages %}{{ message['role'] | capitalize }}: "
            + "{{ message['content'] }}\n{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}";

    // Hugging Face renders in an environment with trim_blocks and lstrip_blocks on.
    private static final Jinjava JINJA = jinja();

    private final String source;
    private final String origin;
    private final String bosToken;
    private final String eosToken;
    private final boolean plain;

    private ChatTemplate(String source, String origin, String bosToken, String eosToken, boolean plain) {
        // Jinja2's default keep_trailing_newline=False drops one trailing newline of the source.
        this.source = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
        this.origin = origin;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.plain = plain;
    }

    /**
     * The template of the model in {@code modelDir}. BOS/EOS texts come from tokenizer_config.json (a string or an
     * object with {@code content}), else from {@code tokenizer}'s BOS/EOS pieces, else are empty.
     */
    public static ChatTemplate load(Path modelDir, Tokenizer tokenizer) {
        Path file = modelDir.resolve(CONFIG_FILE);
        String bos = tokenizer.bosId().stream().mapToObj(tokenizer::piece).findFirst().orElse("");
        String eos = tokenizer.eosId().stream().mapToObj(tokenizer::piece).findFirst().orElse("");
        if (!Files.isRegularFile(file)) {
            return plain(bos, eos);
        }
        JsonNode root = TokenizerFiles.readJson(file);
        TokenizerConfig config = TokenizerConfig.from(file, root);
        String bosToken = config.bosToken().orElse(bos);
        String eosToken = config.eosToken().orElse(eos);
        return templateSource(file, root)
                .map(source -> new ChatTemplate(source, file + " (chat_template)", bosToken, eosToken, false))
                .orElseGet(() -> plain(bosToken, eosToken));
    }

    /** {@link #PLAIN_FORMAT} with these BOS/EOS texts (it uses neither). */
    public static ChatTemplate plain(String bosToken, String eosToken) {
        return new ChatTemplate(PLAIN_FORMAT, "the plain chat format", bosToken, eosToken, true);
    }

    /** chat_template as a string, or the "default" entry of its list form; empty when absent or null. */
    private static Optional<String> templateSource(Path file, JsonNode root) {
        JsonNode node = root.get("chat_template");
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isString()) {
            return Optional.of(node.stringValue());
        }
        if (node.isArray()) {
            for (JsonNode entry : node) {
                if ("default".equals(entry.path("name").asString(null)) && entry.path("template").isString()) {
                    return Optional.of(entry.get("template").stringValue());
                }
            }
            throw new TokenizerException(file, "chat_template is a list without a {\"name\": \"default\", \"template\": <string>} entry");
        }
        throw new TokenizerException(file, "chat_template is " + node.getNodeType().name().toLowerCase()
                + ", expected a string or a list of {\"name\", \"template\"}");
    }

    /** Whether this is {@link #PLAIN_FORMAT}: the model has no template of its own. */
    public boolean isPlain() {
        return plain;
    }

    /** The Jinja source rendered. */
    public String source() {
        return source;
    }

    /**
     * {@code messages} rendered with the generation prompt. When the text begins with the BOS token's text the
     * template wrote BOS itself, and the caller tokenizes it without adding another: Hugging Face's
     * {@code apply_chat_template(tokenize=True)} encodes with {@code add_special_tokens=False}, so such templates get
     * exactly one BOS, and templates that do not write it get the tokenizer's usual one.
     */
    public ChatPrompt render(List<ChatMessage> messages) {
        List<Map<String, Object>> turns = messages.stream()
                .map(m -> Map.<String, Object>of("role", m.role(), "content", m.content())).toList();
        Map<String, Object> context = new HashMap<>();
        context.put("messages", turns);
        context.put("add_generation_prompt", true);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RenderResult result = JINJA.renderForResult(source, context);
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        for (TemplateError error : fatal) {
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof RaisedByTemplate raised) {
                    throw new ChatTemplateException(ChatTemplateException.Kind.REJECTED_MESSAGES,
                            "the chat template rejected the messages: " + raised.getMessage());
                }
            }
        }
        if (!fatal.isEmpty()) {
            TemplateError first = fatal.getFirst();
            throw new ChatTemplateException(ChatTemplateException.Kind.BROKEN_TEMPLATE, origin + " fails at line "
                    + first.getLineno() + " (" + first.getFieldName() + "): " + first.getMessage());
        }
        String text = result.getOutput();
        return new ChatPrompt(text, !bosToken.isEmpty() && text.startsWith(bosToken));
    }

    /** Hugging Face's {@code raise_exception}: the template's own error, raised out of the rendering. */
    public static String raiseException(String message) {
        throw new RaisedByTemplate(message);
    }

    private static final class RaisedByTemplate extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RaisedByTemplate(String message) {
            super(message, null, false, false);
        }
    }

    private static Jinjava jinja() {
        Jinjava jinja = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        jinja.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        return jinja;
    }
}
