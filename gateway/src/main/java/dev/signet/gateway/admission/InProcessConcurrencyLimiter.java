package dev.signet.gateway.admission;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Slots counted in this JVM. */
public final class InProcessConcurrencyLimiter implements ConcurrencyLimiter {
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    @Override
    public boolean tryAcquire(String tenant, String requestId, int max) {
        AtomicInteger count = inFlight.computeIfAbsent(tenant, t -> new AtomicInteger());
        while (true) {
            int now = count.get();
            if (now >= max) {
                return false;
            }
            if (count.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    @Override
    public void release(String tenant, String requestId) {
        AtomicInteger count = inFlight.get(tenant);
        if (count != null) {
            count.updateAndGet(n -> Math.max(0, n - 1));
        }
    }
}
