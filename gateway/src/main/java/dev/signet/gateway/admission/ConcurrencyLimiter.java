package dev.signet.gateway.admission;

/** Counts each tenant's requests in flight against its {@code max_concurrent}. */
public interface ConcurrencyLimiter {
    /** A slot for the tenant's request {@code requestId} if fewer than {@code max} are taken; false otherwise. */
    boolean tryAcquire(String tenant, String requestId, int max);

    void release(String tenant, String requestId);
}
