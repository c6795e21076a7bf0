package dev.signet.engine.tokenizer;

/**
 * A conversation that a {@link ChatTemplate} cannot render: either the template itself rejected the messages through
 * {@code raise_exception(...)} ({@link Kind#REJECTED_MESSAGES}, the caller's fault; the message is the template's),
 * or the template failed to run ({@link Kind#BROKEN_TEMPLATE}: a syntax error or a construct this Jinja does not
 * support; the message names the file, the line and the failing expression).
 */
public final class ChatTemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Kind { REJECTED_MESSAGES, BROKEN_TEMPLATE }

    private final Kind kind;

    public ChatTemplateException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
