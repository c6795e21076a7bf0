package dev.signet.gateway.completion;

import dev.signet.gateway.openai.CompletionRequest;
import dev.signet.gateway.openai.TextCompletion;
import dev.signet.gateway.openai.Usage;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** {@code /v1/completions}: {@code text_completion} objects, streamed as the same object with a piece of text per chunk. */
public final class TextCompletionFormat implements CompletionFormat {

    @Override
    public CompletionRequest parse(JsonNode body) {
        return CompletionRequest.completion(body);
    }

    @Override
    public String idPrefix() {
        return "cmpl-";
    }

    @Override
    public Object response(ResponseHeader h, List<FinishedChoice> choices, Usage usage) {
        return new TextCompletion(h.id(), h.created(), h.model(),
                choices.stream().map(c -> new TextCompletion.Choice(c.index(), c.text(), c.finishReason())).toList(), usage);
    }

    @Override
    public List<Object> chunks(ResponseHeader h, ChoiceEvent event, boolean firstOfChoice) {
        TextCompletion.Choice choice = switch (event) {
            case ChoiceEvent.Text t -> new TextCompletion.Choice(t.index(), t.text(), null);
            case ChoiceEvent.Finish f -> new TextCompletion.Choice(f.index(), "", f.finishReason());
        };
        return List.of(new TextCompletion(h.id(), h.created(), h.model(), List.of(choice), null));
    }

    @Override
    public Object usageChunk(ResponseHeader h, Usage usage) {
        return new TextCompletion(h.id(), h.created(), h.model(), List.of(), usage);
    }
}
