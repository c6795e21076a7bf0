package dev.signet.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Chat templates copied from public Hugging Face models, written into a temporary tokenizer_config.json and rendered
 * as {@code apply_chat_template(messages, add_generation_prompt=True)} does. Each expected string is derived by hand
 * from the template's text, step by step in the comments.
 */
class ChatTemplateTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** meta-llama/Llama-2-7b-chat-hf. */
    private static final String LLAMA_2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
            + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
            + "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
            + "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    /** HuggingFaceH4/zephyr-7b-beta: one tag per line, newlines inside the string literals. */
    private static final String ZEPHYR = """
            {% for message in messages %}
            {% if message['role'] == 'user' %}
            {{ '<|user|>
            ' + message['content'] + eos_token }}
            {% elif message['role'] == 'system' %}
            {{ '<|system|>
            ' + message['content'] + eos_token }}
            {% elif message['role'] == 'assistant' %}
            {{ '<|assistant|>
            '  + message['content'] + eos_token }}
            {% endif %}
            {% if loop.last and add_generation_prompt %}
            {{ '<|assistant|>' }}
            {% endif %}
            {% endfor %}""";

    /** ChatML, as teknium/OpenHermes-2.5-Mistral-7B ships it. */
    private static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
            + " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** mistralai/Mistral-7B-Instruct-v0.1. */
    private static final String MISTRAL = "{{ bos_token }}{% for message in messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
            + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    /** meta-llama/Meta-Llama-3-8B-Instruct: {@code |trim} binds tighter than {@code +}, so only the content is trimmed. */
    private static final String LLAMA_3 = "{% set loop_messages = messages %}{% for message in loop_messages %}"
            + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim"
            + " + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

    /** deepseek-ai/DeepSeek-V3's template with its tool-call branches removed: a namespace carried across the loop. */
    private static final String DEEPSEEK_V3 = "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}"
            + "{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='', is_first_sp=true) %}"
            + "{%- for message in messages %}{%- if message['role'] == 'system' %}{%- if ns.is_first_sp %}"
            + "{% set ns.system_prompt = ns.system_prompt + message['content'] %}{% set ns.is_first_sp = false %}{%- else %}"
            + "{% set ns.system_prompt = ns.system_prompt + '\\n\\n' + message['content'] %}{%- endif %}{%- endif %}{%- endfor %}"
            + "{{ bos_token }}{{ ns.system_prompt }}{%- for message in messages %}{%- if message['role'] == 'user' %}"
            + "{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}"
            + "{%- if message['role'] == 'assistant' and message['content'] is not none %}{%- if ns.is_tool %}"
            + "{{'<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}{%- set ns.is_tool = false -%}"
            + "{%- else %}{{'<｜Assistant｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endif %}{%- endfor -%}"
            + "{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜>'}}{% endif %}";

    private static Tokenizer stories;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadTokenizer() {
        stories = TokenizerLoader.load(Fixtures.repoRoot().resolve("models/stories260K"));
    }

    @Test
    void llama2ChatFoldsTheSystemPromptIntoTheFirstTurnWithBosObjectsFromTheConfig() throws IOException {
        // Llama 2's tokenizer_config.json stores bos/eos as AddedToken objects.
        ChatTemplate template = load(Map.of("chat_template", LLAMA_2,
                "bos_token", Map.of("__type", "AddedToken", "content", "<s>", "lstrip", false),
                "eos_token", Map.of("__type", "AddedToken", "content", "</s>", "lstrip", false)));

        ChatPrompt prompt = template.render(List.of(msg("system", "You are helpful."), msg("user", " Hi there "),
                msg("assistant", "Hello!"), msg("user", "Tell me a story")));

        // turn 0: '<<SYS>>\n' + system + '\n<</SYS>>\n\n' + ' Hi there ', stripped (only its trailing space goes);
        // turn 1: ' ' + 'Hello!' + ' ' + eos; turn 2: bos + '[INST] Tell me a story [/INST]'.
        assertThat(prompt.text()).isEqualTo("<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\n Hi there [/INST] Hello! </s>"
                + "<s>[INST] Tell me a story [/INST]");
        assertThat(prompt.includesBos()).isTrue();
        assertThat(template.isPlain()).isFalse();
    }

    @Test
    void llama2ChatRaisesItsOwnMessageWhenRolesDoNotAlternate() throws IOException {
        ChatTemplate template = load(Map.of("chat_template", LLAMA_2, "bos_token", "<s>", "eos_token", "</s>"));

        assertThatThrownBy(() -> template.render(List.of(msg("user", "a"), msg("user", "b"))))
                .isInstanceOfSatisfying(ChatTemplateException.class,
                        e -> assertThat(e.kind()).isEqualTo(ChatTemplateException.Kind.REJECTED_MESSAGES))
                .hasMessage("the chat template rejected the messages: Conversation roles must alternate user/assistant/user/assistant/...");
    }

    @Test
    void zephyrTrimsBlockLinesButKeepsTheNewlinesAfterExpressions() throws IOException {
        ChatTemplate template = load(Map.of("chat_template", ZEPHYR, "bos_token", "<s>", "eos_token", "</s>"));

        ChatPrompt prompt = template.render(List.of(msg("system", "You are a friendly chatbot"), msg("user", "Hello")));

        // trim_blocks eats the newline after every {% %} line; each {{ }} line keeps its own; the last message adds
        // the generation prompt '<|assistant|>' + its line's newline.
        assertThat(prompt.text()).isEqualTo("<|system|>\nYou are a friendly chatbot</s>\n<|user|>\nHello</s>\n<|assistant|>\n");
        assertThat(prompt.includesBos()).as("the template writes no BOS: the tokenizer adds its own").isFalse();
    }

    @Test
    void theListFormServesItsDefaultTemplate() throws IOException {
        ChatTemplate template = load(Map.of("chat_template", List.of(
                Map.of("name", "tool_use", "template", "TOOLS {{ messages }}"),
                Map.of("name", "default", "template", CHATML))));

        ChatPrompt prompt = template.render(List.of(msg("system", "Be brief."), msg("user", "Hi")));

        assertThat(prompt.text()).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n");
    }

    @Test
    void mistralWritesBosItselfAndRejectsTurnsOutOfOrder() throws IOException {
        ChatTemplate template = load(Map.of("chat_template", MISTRAL, "bos_token", "<s>", "eos_token", "</s>"));

        ChatPrompt prompt = template.render(List.of(msg("user", "Hi"), msg("assistant", "Hello"), msg("user", "Bye")));

        // bos; '[INST] Hi [/INST]'; 'Hello' + eos + ' '; '[INST] Bye [/INST]'.
        assertThat(prompt.text()).isEqualTo("<s>[INST] Hi [/INST]Hello</s> [INST] Bye [/INST]");
        assertThat(prompt.includesBos()).as("the caller must not add a second BOS").isTrue();
        assertThatThrownBy(() -> template.render(List.of(msg("user", "Hi"), msg("assistant", "a"), msg("assistant", "b"))))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageEndingWith("Conversation roles must alternate user/assistant/user/assistant/...");
    }

    @Test
    void llama3TrimsEachContentWithTheTrimFilter() throws IOException {
        ChatTemplate template = load(Map.of("chat_template", LLAMA_3, "bos_token", "<|begin_of_text|>", "eos_token", "<|eot_id|>"));

        ChatPrompt prompt = template.render(List.of(msg("system", "  Be kind. "), msg("user", "\nHi\n")));

        assertThat(prompt.text()).isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe kind.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(prompt.includesBos()).isTrue();
    }

    @Test
    void deepSeekCarriesANamespaceAcrossLoops() throws IOException {
        ChatTemplate template = load(Map.of("chat_template", DEEPSEEK_V3,
                "bos_token", Map.of("content", "<｜begin▁of▁sentence｜>"), "eos_token", "<｜end▁of▁sentence｜>"));

        ChatPrompt prompt = template.render(List.of(msg("system", "A"), msg("system", "B"), msg("user", "Hi"),
                msg("assistant", "Yo"), msg("user", "Q")));

        // the first loop joins the system prompts with '\n\n' in ns.system_prompt; the second writes the turns.
        assertThat(prompt.text()).isEqualTo("<｜begin▁of▁sentence｜>A\n\nB<｜User｜>Hi<｜Assistant｜>Yo<｜end▁of▁sentence｜>"
                + "<｜User｜>Q<｜Assistant｜>");
    }

    @Test
    void aModelWithoutAChatTemplateGetsThePlainFormat() {
        ChatTemplate template = ChatTemplate.load(dir, stories);   // no tokenizer_config.json, like stories260K

        ChatPrompt prompt = template.render(List.of(msg("system", "Be nice."), msg("user", "Hi"), msg("assistant", "Hello"),
                msg("user", "Tell a story")));

        assertThat(template.isPlain()).isTrue();
        assertThat(prompt.text()).isEqualTo("System: Be nice.\nUser: Hi\nAssistant: Hello\nUser: Tell a story\nAssistant:");
        assertThat(prompt.includesBos()).isFalse();
    }

    @Test
    void aConfigWithoutChatTemplateGetsThePlainFormatToo() throws IOException {
        ChatTemplate template = load(Map.of("bos_token", "<s>", "add_bos_token", true));

        assertThat(template.isPlain()).isTrue();
        assertThat(template.render(List.of(msg("user", "Hi"))).text()).isEqualTo("User: Hi\nAssistant:");
    }

    @Test
    void bosTokenFallsBackToTheTokenizersBosPiece() throws IOException {
        ChatTemplate template = load(Map.of("chat_template", "{{ bos_token }}{{ messages[0]['content'] }}{{ eos_token }}"));

        String bos = stories.piece(stories.bosId().getAsInt());
        String eos = stories.piece(stories.eosId().getAsInt());
        ChatPrompt prompt = template.render(List.of(msg("user", "Hi")));
        assertThat(prompt.text()).isEqualTo(bos + "Hi" + eos);
        assertThat(prompt.includesBos()).isTrue();
    }

    @Test
    void oneTrailingNewlineOfTheSourceIsDroppedAsJinjaDoes() throws IOException {
        ChatTemplate template = load(Map.of("chat_template", "{{ messages[0]['content'] }}\n\n"));

        assertThat(template.render(List.of(msg("user", "Hi"))).text()).isEqualTo("Hi\n");
    }

    @Test
    void aBrokenTemplateFailsNamingTheFileAndTheProblem() throws IOException {
        ChatTemplate unclosed = load(Map.of("chat_template", "{% for message in messages %}{{ message['content'] }}"));
        assertThatThrownBy(() -> unclosed.render(List.of(msg("user", "Hi"))))
                .isInstanceOfSatisfying(ChatTemplateException.class,
                        e -> assertThat(e.kind()).isEqualTo(ChatTemplateException.Kind.BROKEN_TEMPLATE))
                .hasMessageContaining(dir.resolve(ChatTemplate.CONFIG_FILE).toString())
                .hasMessageContaining("endfor");

        ChatTemplate pythonMethod = load(Map.of("chat_template", "{{ messages[0]['content'].upper() }}"));
        assertThatThrownBy(() -> pythonMethod.render(List.of(msg("user", "Hi"))))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("upper");
    }

    @Test
    void aChatTemplateOfTheWrongShapeFailsTheLoad() throws IOException {
        assertThatThrownBy(() -> load(Map.of("chat_template", 42)))
                .isInstanceOf(TokenizerException.class).hasMessageContaining("chat_template is number");
        assertThatThrownBy(() -> load(Map.of("chat_template", List.of(Map.of("name", "tool_use", "template", "x")))))
                .isInstanceOf(TokenizerException.class).hasMessageContaining("without a {\"name\": \"default\"");
    }

    private ChatTemplate load(Map<String, Object> tokenizerConfig) throws IOException {
        Files.writeString(dir.resolve(ChatTemplate.CONFIG_FILE), JSON.writeValueAsString(tokenizerConfig));
        return ChatTemplate.load(dir, stories);
    }

    private static ChatMessage msg(String role, String content) {
        return new ChatMessage(role, content);
    }
}
