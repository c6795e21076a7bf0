package dev.signet.gateway.worker;

/**
 * A worker that could not serve a request: unreachable, an error status (with its body), or an {@code error} event.
 * {@code retryable}: another worker may well succeed (connection refused, 5xx, an engine failure); a 4xx means the
 * request itself is at fault. {@code status} is 0 when no HTTP answer came.
 */
public final class WorkerFailure extends RuntimeException {
    private final String address;
    private final int status;
    private final String body;
    private final boolean retryable;

    private WorkerFailure(String address, int status, String body, boolean retryable, String message, Throwable cause) {
        super(message, cause);
        this.address = address;
        this.status = status;
        this.body = body;
        this.retryable = retryable;
    }

    public static WorkerFailure unreachable(String address, Throwable cause) {
        return new WorkerFailure(address, 0, null, true, "worker " + address + " unreachable: " + cause.getMessage(), cause);
    }

    public static WorkerFailure status(String address, int status, String body) {
        return new WorkerFailure(address, status, body, status >= 500, "worker " + address + " answered " + status + ": " + body, null);
    }

    public static WorkerFailure event(String address, String kind, String message) {
        return new WorkerFailure(address, 0, null, true, "worker " + address + " failed the request (" + kind + "): " + message, null);
    }

    public String address() {
        return address;
    }

    public int status() {
        return status;
    }

    /** The worker's error body (OpenAI's error JSON), when it answered with an error status. */
    public String body() {
        return body;
    }

    public boolean retryable() {
        return retryable;
    }
}
