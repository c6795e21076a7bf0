package dev.signet.gateway;

import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Reading the OpenAI SDK's streams back into text, as a client sees it: the tests compare that with the engine. */
public final class SdkStreams {
    private SdkStreams() {}

    /** The chat request, streamed with a final usage chunk. */
    public static ChatCompletionCreateParams withUsage(ChatCompletionCreateParams params) {
        return params.toBuilder().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    }

    /** The content deltas of every choice, joined. */
    public static String chatText(List<ChatCompletionChunk> chunks) {
        return chunks.stream().flatMap(c -> c.choices().stream()).map(c -> c.delta().content()).flatMap(Optional::stream)
                .collect(Collectors.joining());
    }

    /** The text pieces of every completion chunk, joined. */
    public static String completionText(List<Completion> chunks) {
        return chunks.stream().flatMap(c -> c.choices().stream()).map(c -> c.text()).collect(Collectors.joining());
    }
}
