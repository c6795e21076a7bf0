package dev.signet.gateway.completion;

/** What happened to one of a request's n choices: more text, or its end with OpenAI's finish reason. */
public sealed interface ChoiceEvent {
    int index();

    record Text(int index, String text) implements ChoiceEvent {}

    record Finish(int index, String finishReason) implements ChoiceEvent {}
}
