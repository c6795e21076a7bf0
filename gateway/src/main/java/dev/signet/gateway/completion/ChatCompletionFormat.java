package dev.signet.gateway.completion;

import dev.signet.gateway.openai.ChatCompletion;
import dev.signet.gateway.openai.ChatCompletionChunk;
import dev.signet.gateway.openai.ChatCompletionChunk.Delta;
import dev.signet.gateway.openai.CompletionRequest;
import dev.signet.gateway.openai.Usage;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * {@code /v1/chat/completions}: a {@code chat.completion}, or a stream of {@code chat.completion.chunk}s where each
 * choice opens with {@code delta.role = "assistant"}, continues with content deltas and closes with an empty delta
 * and its finish reason.
 */
public final class ChatCompletionFormat implements CompletionFormat {

    @Override
    public CompletionRequest parse(JsonNode body) {
        return CompletionRequest.chat(body);
    }

    @Override
    public String idPrefix() {
        return "chatcmpl-";
    }

    @Override
    public Object response(ResponseHeader h, List<FinishedChoice> choices, Usage usage) {
        return new ChatCompletion(h.id(), h.created(), h.model(),
                choices.stream().map(c -> new ChatCompletion.Choice(c.index(), c.text(), c.finishReason())).toList(), usage);
    }

    @Override
    public List<Object> chunks(ResponseHeader h, ChoiceEvent event, boolean firstOfChoice) {
        List<Object> chunks = new ArrayList<>(2);
        if (firstOfChoice) {
            chunks.add(chunk(h, new ChatCompletionChunk.Choice(event.index(), new Delta("assistant", ""), null)));
        }
        chunks.add(chunk(h, switch (event) {
            case ChoiceEvent.Text t -> new ChatCompletionChunk.Choice(t.index(), new Delta(null, t.text()), null);
            case ChoiceEvent.Finish f -> new ChatCompletionChunk.Choice(f.index(), new Delta(null, null), f.finishReason());
        }));
        return chunks;
    }

    @Override
    public Object usageChunk(ResponseHeader h, Usage usage) {
        return new ChatCompletionChunk(h.id(), h.created(), h.model(), List.of(), usage);
    }

    private static ChatCompletionChunk chunk(ResponseHeader h, ChatCompletionChunk.Choice choice) {
        return new ChatCompletionChunk(h.id(), h.created(), h.model(), List.of(choice), null);
    }
}
