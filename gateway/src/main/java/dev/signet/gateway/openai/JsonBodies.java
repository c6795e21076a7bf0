package dev.signet.gateway.openai;

import java.nio.charset.StandardCharsets;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's own encoding of response bodies: JSON objects and server-sent event frames, written as bytes so that
 * the frames are exactly OpenAI's ({@code data: {json}\n\n}, then {@code data: [DONE]\n\n}; Spring's SSE writer would
 * leave out the space after the colon). Uses the application's JSON mapper, so bodies are snake_case.
 */
@Component
public class JsonBodies {
    private static final DataBufferFactory BUFFERS = DefaultDataBufferFactory.sharedInstance;

    private final JsonMapper json;

    public JsonBodies(JsonMapper json) {
        this.json = json;
    }

    public String json(Object value) {
        return json.writeValueAsString(value);
    }

    public DataBuffer buffer(Object value) {
        return BUFFERS.wrap(json.writeValueAsBytes(value));
    }

    /** One SSE frame carrying {@code value} as JSON. */
    public DataBuffer frame(Object value) {
        return text("data: " + json(value) + "\n\n");
    }

    /** The frame that ends every OpenAI stream. */
    public DataBuffer done() {
        return text("data: [DONE]\n\n");
    }

    private static DataBuffer text(String s) {
        return BUFFERS.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
