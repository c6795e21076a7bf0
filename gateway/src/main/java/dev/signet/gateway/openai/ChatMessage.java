package dev.signet.gateway.openai;

/** One chat message as the worker takes it: a role ({@code system}, {@code user}, {@code assistant}) and its text. */
public record ChatMessage(String role, String content) {}
