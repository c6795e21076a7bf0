package dev.signet.engine.tokenizer;

import java.util.Objects;

/**
 * One turn of a chat as a chat template sees it: {@code role} ({@code system}, {@code user}, {@code assistant}; the
 * template decides which it accepts) and its text {@code content}.
 */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
