package dev.signet.gateway.worker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One NDJSON line of a worker's generation stream: {@code start} (with {@code promptTokens}), a {@code token} per
 * generated token (with the {@code text} it completes), then {@code finish} ({@code finishReason} {@code stop} or
 * {@code length}) or {@code error} ({@code kind}, {@code message}). Fields the gateway does not use are ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WorkerEvent(String type, Integer promptTokens, Integer token, String text, String finishReason,
                          Integer completionTokens, String kind, String message) {

    public boolean isStart() {
        return "start".equals(type);
    }

    public boolean isToken() {
        return "token".equals(type);
    }

    public boolean isFinish() {
        return "finish".equals(type);
    }

    public boolean isError() {
        return "error".equals(type);
    }
}
