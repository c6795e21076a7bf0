package dev.signet.gateway.completion;

import dev.signet.gateway.openai.CompletionRequest;
import dev.signet.gateway.openai.Usage;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The shape of one OpenAI endpoint's requests and answers; the flow around it ({@link CompletionService}) is shared.
 * {@link TextCompletionFormat} is {@code /v1/completions}, {@link ChatCompletionFormat} {@code /v1/chat/completions}.
 */
public interface CompletionFormat {
    CompletionRequest parse(JsonNode body);

    /** {@code cmpl-} or {@code chatcmpl-}. */
    String idPrefix();

    /** The whole answer, not streamed. */
    Object response(ResponseHeader header, List<FinishedChoice> choices, Usage usage);

    /** The stream chunks for one event; {@code firstOfChoice} is true for the first event of its choice. */
    List<Object> chunks(ResponseHeader header, ChoiceEvent event, boolean firstOfChoice);

    /** The last chunk of a stream that asked for usage: no choices, the usage. */
    Object usageChunk(ResponseHeader header, Usage usage);
}
